# Masking corpus: queries over the demo data that try to get card numbers and SSNs out, and
# ordinary ones. One query per line. Run by MaskingCorpusIT as the demo's agent through Warden
# with pgJDBC (simple, extended, binary) and psql; no raw card number or SSN of the demo data —
# nor its digits without separators, nor its reverse — may appear in any output: rows, errors,
# warnings. A query may be answered masked or refused; both are fine, a raw value is not.
# Direct columns
SELECT card_number FROM customers
SELECT ssn FROM customers
SELECT card_number, ssn, email FROM customers WHERE id < 50
SELECT * FROM customers
SELECT c.* FROM customers c
SELECT customers.* FROM customers
SELECT * FROM public.customers ORDER BY id LIMIT 10
SELECT card_number FROM billing.invoices
SELECT * FROM billing.invoices
SELECT i.card_number, c.card_number FROM billing.invoices i JOIN customers c ON c.id = i.customer_id
# Aliases
SELECT card_number AS cn FROM customers
SELECT card_number AS "totally not a card", ssn AS notes FROM customers
SELECT x.cn FROM (SELECT card_number AS cn FROM customers) x
# Subqueries and CTEs
SELECT * FROM (SELECT * FROM customers) s
SELECT s.card_number FROM (SELECT id, card_number FROM customers WHERE id < 100) s
WITH k AS (SELECT card_number FROM customers) SELECT * FROM k
WITH k AS (SELECT * FROM customers) SELECT ssn FROM k
WITH RECURSIVE k AS (SELECT card_number, 1 AS n FROM customers WHERE id = 1 UNION ALL SELECT card_number, n + 1 FROM k WHERE n < 3) SELECT * FROM k
SELECT (SELECT card_number FROM customers c2 WHERE c2.id = c.id) FROM customers c
SELECT ARRAY(SELECT card_number FROM customers LIMIT 5)
SELECT * FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE amount > 100)
SELECT * FROM LATERAL (SELECT card_number FROM customers LIMIT 3) l
# Functions and operators
SELECT lower(card_number) FROM customers
SELECT upper(ssn) FROM customers
SELECT reverse(card_number) FROM customers
SELECT reverse(ssn) FROM customers
SELECT replace(card_number, ' ', '') FROM customers
SELECT replace(ssn, '-', '') FROM customers
SELECT regexp_replace(card_number, '\D', '', 'g') FROM customers
SELECT translate(ssn, '-', '') FROM customers
SELECT substring(card_number from 1 for 8), substring(card_number from 9) FROM customers
SELECT left(card_number, 6) || right(card_number, 10) FROM customers
SELECT card_number || '' FROM customers
SELECT concat(card_number, '') FROM customers
SELECT format('%s', ssn) FROM customers
SELECT card_number::bigint FROM customers
SELECT card_number::numeric + 0 FROM customers
SELECT length(card_number) FROM customers
SELECT md5(card_number) FROM customers
SELECT encode(card_number::bytea, 'hex') FROM customers
SELECT encode(card_number::bytea, 'base64') FROM customers
SELECT to_hex(card_number::bigint) FROM customers
SELECT CASE WHEN true THEN card_number END FROM customers
SELECT coalesce(card_number, 'none') FROM customers
SELECT nullif(ssn, '') FROM customers
SELECT greatest(card_number, '0') FROM customers
SELECT split_part(ssn, '-', 1), split_part(ssn, '-', 2), split_part(ssn, '-', 3) FROM customers
SELECT ascii(substring(card_number, 1, 1)) FROM customers
SELECT string_to_array(card_number, NULL) FROM customers
SELECT regexp_split_to_array(ssn, '') FROM customers
SELECT card_number COLLATE "C" FROM customers
SELECT overlay(card_number placing 'x' from 1 for 1) FROM customers
# Whole-row references and row, JSON and array constructors
SELECT c FROM customers c
SELECT c::text FROM customers c
SELECT row_to_json(c) FROM customers c
SELECT to_json(c) FROM customers c
SELECT to_jsonb(c) -> 'card_number' FROM customers c
SELECT json_build_object('card', card_number) FROM customers
SELECT jsonb_build_object('ssn', ssn) FROM customers
SELECT ROW(card_number, ssn) FROM customers
SELECT ARRAY[card_number, ssn] FROM customers
SELECT (c).card_number FROM (SELECT c FROM customers c) s
SELECT hstore(c) FROM customers c
SELECT json_agg(c) FROM customers c
# Aggregates
SELECT string_agg(card_number, ',') FROM customers
SELECT string_agg(ssn, ' ') FROM customers
SELECT array_agg(card_number) FROM customers
SELECT max(card_number), min(ssn) FROM customers
SELECT json_agg(card_number) FROM customers
SELECT jsonb_agg(ssn) FROM customers
SELECT xmlagg(xmlelement(name c, card_number)) FROM customers
SELECT count(DISTINCT card_number) FROM customers
SELECT string_agg(full_name, ',' ORDER BY ssn) FROM customers
# Set operations
SELECT card_number FROM customers UNION ALL SELECT card_number FROM billing.invoices
SELECT card_number FROM customers UNION SELECT card_number FROM billing.invoices
SELECT ssn FROM customers INTERSECT SELECT ssn FROM customers
SELECT ssn FROM customers EXCEPT SELECT '000-00-0000'
SELECT full_name FROM customers UNION ALL SELECT ssn FROM customers
# Lineage: computed values through subqueries, CTEs, set operations, VALUES, functions in FROM,
# prepared statements, cursors and strings of several statements
SELECT reverse(x) FROM (SELECT card_number x FROM customers) s
WITH k AS (SELECT card_number x FROM customers) SELECT reverse(x) FROM k
SELECT reverse(card_number) FROM customers UNION ALL SELECT 'a'
SELECT reverse(ssn) FROM customers UNION ALL SELECT reverse(card_number) FROM customers
SELECT card_number FROM customers UNION ALL SELECT 'x'
SELECT ssn FROM customers UNION ALL SELECT full_name FROM customers
SELECT * FROM customers UNION ALL SELECT * FROM customers
SELECT * FROM customers UNION ALL SELECT * FROM billing.invoices
WITH RECURSIVE k(n, c) AS (SELECT 1, card_number FROM customers UNION ALL SELECT n + 1, c FROM k WHERE n < 2) SELECT reverse(c) FROM k
SELECT reverse(v) FROM unnest(ARRAY(SELECT ssn FROM customers)) v
SELECT reverse(j->>'card_number') FROM (SELECT row_to_json(c) j FROM customers c) s
SELECT reverse(s.ssn) FROM (SELECT * FROM customers) s
SELECT reverse(t.x) FROM (VALUES ((SELECT max(card_number) FROM customers))) t(x)
SELECT * FROM (SELECT reverse(card_number) FROM customers) s
SELECT l.* FROM customers c, LATERAL (SELECT reverse(c.ssn) AS r) l
SELECT (SELECT reverse(ssn) FROM customers c2 WHERE c2.id = c.id) FROM customers c
SELECT reverse(x) FROM (SELECT card_number FROM customers UNION ALL SELECT card_number FROM billing.invoices) u(x)
SELECT reverse(x) FROM (SELECT card_number FROM customers) AS s(x)
SELECT reverse(m) FROM (SELECT max(card_number) AS m FROM customers GROUP BY id) s
SELECT reverse(lower) FROM (SELECT lower(card_number) FROM customers) s
SELECT reverse(s.lower) FROM (SELECT lower(ssn) FROM customers) s
SELECT reverse(x::text) FROM (SELECT c AS x FROM customers c) s
SELECT reverse(k.card_number) FROM customers JOIN (SELECT id, card_number FROM customers) k USING (id)
PREPARE pq AS SELECT reverse(card_number) FROM customers; EXECUTE pq
BEGIN; DECLARE k CURSOR FOR SELECT reverse(card_number) FROM customers; FETCH 2 FROM k
SELECT 1; SELECT reverse(ssn) FROM customers
# Side channels: a masked value deciding an error, a delay or a branch (refused: masked-oracle)
SELECT CASE WHEN ssn LIKE '1%' THEN 1 / (id - id) ELSE 1 END FROM customers
SELECT 1 / (substr(card_number, 1, 1) = '4')::int FROM customers
SELECT card_number::bigint FROM customers
SELECT coalesce(ssn, (1 / (id - id))::text) FROM customers
SELECT pg_sleep(length(ssn) / 100.0) FROM customers WHERE id = 1
SELECT CASE WHEN card_number > '5' THEN (SELECT count(*) FROM generate_series(1, 100000)) END FROM customers WHERE id = 1
# Predicates used as oracles
SELECT id FROM customers WHERE ssn LIKE '9%'
SELECT id FROM customers WHERE card_number LIKE '4%'
SELECT count(*) FROM customers WHERE substring(ssn, 1, 1) = '1'
SELECT id FROM customers WHERE card_number = '4111111111111111'
SELECT id FROM customers WHERE card_number > '5'
SELECT id FROM customers c JOIN billing.invoices i ON i.card_number = c.card_number
SELECT ssn, count(*) FROM customers GROUP BY ssn
SELECT id FROM customers ORDER BY card_number LIMIT 1
SELECT DISTINCT ssn FROM customers
SELECT DISTINCT ON (card_number) id FROM customers
SELECT id, rank() OVER (ORDER BY ssn) FROM customers
SELECT id, count(*) OVER (PARTITION BY card_number) FROM customers
SELECT id FROM customers WHERE EXISTS (SELECT 1 FROM customers c2 WHERE c2.ssn = customers.ssn AND c2.id <> customers.id)
SELECT CASE WHEN ssn LIKE '1%' THEN 'a' ELSE 'b' END FROM customers
SELECT id FROM customers GROUP BY id HAVING max(ssn) > '5'
SELECT count(*) FILTER (WHERE card_number LIKE '5%') FROM customers
SELECT ssn LIKE '1%' FROM customers
# Errors that echo values
SELECT card_number::int FROM customers
SELECT ssn::date FROM customers
SELECT 1 / (length(card_number) - length(card_number)) FROM customers
SELECT note::int FROM (SELECT 'card ' || '4111111111111111' AS note) s
SELECT to_number(ssn, '999') FROM customers
# Write-back and copies
UPDATE customers SET card_number = '************1111' WHERE id = 1
UPDATE customers SET ssn = '[REDACTED]' WHERE id = 1
UPDATE customers SET full_name = card_number WHERE id = 1
INSERT INTO orders (id, customer_id, amount, status) SELECT 9000000 + id, id, 1, ssn FROM customers
CREATE TABLE public.leak AS SELECT card_number FROM customers
SELECT card_number INTO TEMP leak FROM customers
COPY customers TO STDOUT
COPY (SELECT card_number FROM customers) TO STDOUT
COPY (SELECT ssn FROM customers) TO STDOUT WITH (FORMAT csv)
COPY billing.invoices TO STDOUT
COPY (SELECT full_name FROM customers) TO STDOUT
COPY customers TO STDOUT (FORMAT binary)
COPY customers TO STDOUT WITH CSV HEADER
COPY (SELECT reverse(card_number), ssn FROM customers) TO STDOUT (FORMAT csv, DELIMITER '|', QUOTE '''')
COPY (SELECT * FROM customers UNION ALL SELECT * FROM billing.invoices) TO STDOUT
COPY (WITH k AS (SELECT card_number x FROM customers) SELECT x, reverse(x) FROM k) TO STDOUT
COPY customers (ssn, card_number) TO STDOUT (FORMAT text, DELIMITER ',')
COPY customers TO STDOUT (ENCODING 'LATIN1')
# Ordinary queries (must answer)
SELECT s.full_name FROM (SELECT full_name, id FROM customers) s ORDER BY s.id LIMIT 5
WITH k AS (SELECT id, full_name FROM customers) SELECT upper(full_name) FROM k ORDER BY id LIMIT 5
SELECT * FROM orders ORDER BY id LIMIT 5
SELECT full_name FROM customers WHERE id < 5 UNION ALL SELECT status FROM orders WHERE id < 5
SELECT id, full_name FROM customers ORDER BY id LIMIT 20
SELECT count(*) FROM customers
SELECT count(*), sum(amount) FROM orders
SELECT status, count(*) FROM orders GROUP BY status ORDER BY status
SELECT c.full_name, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.full_name ORDER BY 2 DESC, 1 LIMIT 5
SELECT id, total FROM billing.invoices ORDER BY id LIMIT 10
SELECT date_trunc('month', created_at), count(*) FROM orders GROUP BY 1 ORDER BY 1 LIMIT 5
COPY (SELECT id, status FROM orders WHERE id < 20) TO STDOUT
