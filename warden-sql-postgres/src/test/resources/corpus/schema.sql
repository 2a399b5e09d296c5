-- The demo's shop schema (DESIGN.md), a few rows each: the sandbox the corpus runs against.
CREATE SCHEMA billing;
CREATE SCHEMA internal;
CREATE TABLE public.customers (id bigint PRIMARY KEY, full_name text, email text, phone text,
  card_number text, card_expiry text, ssn text, created_at timestamptz DEFAULT now());
CREATE SEQUENCE public.orders_id_seq;
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers,
  amount numeric(10,2), status text, created_at timestamptz DEFAULT now());
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2),
  card_number text, issued_at timestamptz);
CREATE TABLE internal.api_keys (id bigint PRIMARY KEY, service text, secret text);
CREATE MATERIALIZED VIEW public.mv AS SELECT id FROM public.orders;
INSERT INTO public.customers (id, full_name, email, phone, card_number, card_expiry, ssn)
  SELECT g, 'Customer ' || g, 'c' || g || '@example.com', '555 010' || g, '4111111111111111',
    '12/30', '123-45-678' || g FROM generate_series(1, 9) g;
INSERT INTO public.orders (id, customer_id, amount, status)
  SELECT g, 1 + g % 9, g * 1.5, CASE WHEN g % 2 = 0 THEN 'new' ELSE 'paid' END
  FROM generate_series(1, 30) g;
INSERT INTO billing.invoices (id, customer_id, total, card_number, issued_at)
  SELECT g, 1 + g % 9, g * 10, '4111111111111111', now() FROM generate_series(1, 10) g;
INSERT INTO internal.api_keys VALUES (1, 'stripe', 'sk_live_secret');
