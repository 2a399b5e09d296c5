-- The same shop in MariaDB: databases public, billing and internal (MariaDB's sequence engine
-- generates the rows), and the gateway's user warden_gateway.
CREATE DATABASE `public` CHARACTER SET utf8mb4;
CREATE DATABASE billing CHARACTER SET utf8mb4;
CREATE DATABASE internal CHARACTER SET utf8mb4;
-- The sequence engine's seq_1_to_N tables are read in the current database.
USE `public`;
CREATE TABLE `public`.customers (id BIGINT PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT,
  card_number TEXT, card_expiry TEXT, ssn TEXT, created_at DATETIME);
CREATE TABLE `public`.orders (id BIGINT PRIMARY KEY, customer_id BIGINT, amount DECIMAL(10,2),
  status TEXT, created_at DATETIME);
CREATE TABLE billing.invoices (id BIGINT PRIMARY KEY, customer_id BIGINT, total DECIMAL(10,2),
  card_number TEXT, issued_at DATETIME);
CREATE TABLE internal.api_keys (id BIGINT PRIMARY KEY, service TEXT, secret TEXT);

INSERT INTO `public`.customers
SELECT seq, CONCAT('Customer ', seq), CONCAT('customer', seq, '@example.com'),
       CONCAT('+1-555-', LPAD(seq, 4, '0')),
       CONCAT('4111 1111 ', LPAD(seq * 7919 % 10000, 4, '0'), ' ', LPAD(seq, 4, '0')),
       CONCAT(LPAD(seq % 12 + 1, 2, '0'), '/2', 7 + seq % 3),
       CONCAT(LPAD(seq * 104729 % 1000, 3, '0'), '-', LPAD(seq % 100, 2, '0'), '-', LPAD(seq, 4, '0')),
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq HOUR
FROM seq_1_to_1000;
INSERT INTO `public`.orders
SELECT seq, 1 + seq % 1000, (seq * 37 % 50000) / 100.0,
       ELT(1 + seq % 5, 'pending', 'paid', 'shipped', 'delivered', 'refunded'),
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 10 MINUTE
FROM seq_1_to_10000;
INSERT INTO billing.invoices
SELECT seq, 1 + seq % 1000, (seq * 53 % 90000) / 100.0,
       CONCAT('4111 1111 ', LPAD(seq * 7919 % 10000, 4, '0'), ' ', LPAD(1 + seq % 1000, 4, '0')),
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 4 HOUR
FROM seq_1_to_2000;
INSERT INTO internal.api_keys SELECT seq, CONCAT('service-', seq), MD5(CONCAT('secret', seq)) FROM seq_1_to_10;

CREATE USER 'warden_gateway'@'%' IDENTIFIED BY 'shop-gateway-password';
GRANT SELECT, INSERT, UPDATE, DELETE ON `public`.* TO 'warden_gateway'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON billing.* TO 'warden_gateway'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON internal.* TO 'warden_gateway'@'%';
