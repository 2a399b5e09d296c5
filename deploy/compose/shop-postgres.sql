-- The shop (as in warden demo): customers with card numbers, SSNs and e-mails, orders, invoices,
-- and internal API keys; the gateway's role warden_gateway owns nothing and may read and write it.
CREATE SCHEMA billing;
CREATE SCHEMA internal;
CREATE TABLE public.customers (
  id bigint PRIMARY KEY, full_name text, email text, phone text,
  card_number text, card_expiry text, ssn text, created_at timestamptz);
CREATE TABLE public.orders (
  id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers,
  amount numeric(10,2), status text, created_at timestamptz);
CREATE TABLE billing.invoices (
  id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2),
  card_number text, issued_at timestamptz);
CREATE TABLE internal.api_keys (id bigint PRIMARY KEY, service text, secret text);

INSERT INTO public.customers
SELECT g, 'Customer ' || g, 'customer' || g || '@example.com', '+1-555-' || lpad(g::text, 4, '0'),
       '4111 1111 ' || lpad((g * 7919 % 10000)::text, 4, '0') || ' ' || lpad(g::text, 4, '0'),
       lpad((g % 12 + 1)::text, 2, '0') || '/2' || (7 + g % 3),
       lpad((g * 104729 % 1000)::text, 3, '0') || '-' || lpad((g % 100)::text, 2, '0') || '-' || lpad(g::text, 4, '0'),
       timestamptz '2024-01-01' + g * interval '1 hour'
FROM generate_series(1, 1000) g;
INSERT INTO public.orders
SELECT g, 1 + g % 1000, (g * 37 % 50000) / 100.0,
       (ARRAY['pending', 'paid', 'shipped', 'delivered', 'refunded'])[1 + g % 5],
       timestamptz '2024-01-01' + g * interval '10 minutes'
FROM generate_series(1, 10000) g;
INSERT INTO billing.invoices
SELECT g, 1 + g % 1000, (g * 53 % 90000) / 100.0,
       '4111 1111 ' || lpad((g * 7919 % 10000)::text, 4, '0') || ' ' || lpad((1 + g % 1000)::text, 4, '0'),
       timestamptz '2024-01-01' + g * interval '4 hours'
FROM generate_series(1, 2000) g;
INSERT INTO internal.api_keys SELECT g, 'service-' || g, md5('secret' || g) FROM generate_series(1, 10) g;

CREATE ROLE warden_gateway LOGIN PASSWORD 'shop-gateway-password';
GRANT USAGE ON SCHEMA public, billing, internal TO warden_gateway;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, billing, internal TO warden_gateway;
ANALYZE;
