"""The Python workloads of ClientConformanceIT: psycopg 3 and psycopg2 used as their users use them.

Usage: conformance.py MODE, with the connection string in WARDEN_DSN. Prints the transcript as
JSON: one entry per result, {"label", "columns", "rows" (cells as text, null as null), "error"}.
The same run against the database directly and through Warden must print the same transcript,
masked cells aside.
"""

import json
import os
import sys


def text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


class Transcript:
    def __init__(self):
        self.results = []

    def rows(self, label, cursor):
        rows = [[text(v) for v in row] for row in cursor.fetchall()]
        # (a psycopg2 named cursor describes its result once the first rows are fetched)
        columns = [d.name if hasattr(d, "name") else d[0] for d in cursor.description]
        self.results.append({"label": label, "columns": columns, "rows": rows, "error": None})

    def value(self, label, column, value):
        self.results.append(
            {"label": label, "columns": [column], "rows": [[text(value)]], "error": None}
        )

    def error(self, label, sqlstate):
        self.results.append({"label": label, "columns": [], "rows": [], "error": sqlstate})


CUSTOMER = (
    "SELECT id, full_name, email, card_number, ssn, %s::int8 + 1 AS next"
    " FROM customers WHERE id = %s"
)


def psycopg3(mode, t):
    import psycopg

    with psycopg.connect(os.environ["WARDEN_DSN"], autocommit=True) as conn:
        binary = mode == "psycopg-binary"
        # The same statement past psycopg's prepare_threshold (5): it PREPAREs it on the server
        # and from then on only binds and executes it.
        with conn.cursor(binary=binary) as cur:
            for i in range(1, 13):
                cur.execute(CUSTOMER, (i, 200 + i))
                t.rows(f"customer by id, execution {i}", cur)
            for i in range(1, 8):
                cur.execute(
                    "SELECT id, amount, status, created_at FROM orders"
                    " WHERE customer_id = %s ORDER BY id",
                    (i,),
                )
                t.rows(f"orders of customer {i}", cur)
            cur.execute("SELECT id, full_name, email, card_number, ssn FROM customers ORDER BY id LIMIT 10")
            t.rows("simple select", cur)
            for i in range(1, 8):
                cur.execute(
                    "INSERT INTO conformance_notes (body, card_number) VALUES (%s, %s)"
                    " RETURNING id, body, card_number",
                    (f"note {i}", f"4111 1111 1111 {1110 + i}"),
                )
                t.rows(f"insert returning {i}", cur)
            cur.executemany(
                "INSERT INTO conformance_notes (body, card_number) VALUES (%s, %s)",
                [(f"many {i}", f"5500 0000 0000 {1000 + i}") for i in range(1, 9)],
            )
            t.value("executemany", "rowcount", cur.rowcount)
            try:
                cur.execute("SELECT 1 / (id - id) FROM orders WHERE id = 1")
                t.value("division by zero", "ran", True)
            except psycopg.Error as e:
                t.error("division by zero", e.sqlstate)
            cur.execute("SELECT count(*) AS n FROM orders")
            t.rows("after the error", cur)
        if mode == "psycopg-pipeline":
            # Pipeline mode: many statements sent before any result is read.
            with conn.pipeline():
                cursors = []
                for i in range(1, 11):
                    cur = conn.cursor()
                    cur.execute(CUSTOMER, (i, 300 + i))
                    cursors.append(cur)
                for i in range(1, 6):
                    cur = conn.cursor()
                    cur.execute(
                        "UPDATE conformance_notes SET body = body || %s WHERE id = %s"
                        " RETURNING id, body, card_number",
                        (" (piped)", i),
                    )
                    cursors.append(cur)
            for i, cur in enumerate(cursors):
                t.rows(f"pipelined {i + 1}", cur)
        # A server-side (named) cursor: DECLARE, then FETCH in batches.
        with conn.transaction():
            with conn.cursor(name="conformance_cursor", binary=binary) as cur:
                cur.itersize = 7
                cur.execute(
                    "SELECT id, full_name, card_number, ssn FROM customers WHERE id > %s"
                    " ORDER BY id LIMIT 30",
                    (5,),
                )
                t.rows("server-side cursor", cur)
        with conn.cursor(binary=binary) as cur:
            cur.execute("SELECT id, body, card_number FROM conformance_notes ORDER BY id")
            t.rows("notes", cur)
            cur.execute(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type"
                " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
                " WHERE c.relname = 'customers' AND a.attnum > 0 ORDER BY a.attnum"
            )
            t.rows("catalog", cur)


def psycopg2_workload(t):
    import psycopg2
    import psycopg2.extras

    conn = psycopg2.connect(os.environ["WARDEN_DSN"])
    conn.autocommit = True
    try:
        cur = conn.cursor()
        cur.execute("SELECT id, full_name, email, card_number, ssn FROM customers ORDER BY id LIMIT 10")
        t.rows("simple select", cur)
        for i in range(1, 8):
            cur.execute(CUSTOMER, (i, 400 + i))
            t.rows(f"customer by id {i}", cur)
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO conformance_notes (body, card_number) VALUES %s",
            [(f"values {i}", f"4000 0000 0000 {2000 + i}") for i in range(1, 6)],
        )
        t.value("execute_values", "rowcount", cur.rowcount)
        cur.execute("SELECT id, body, card_number FROM conformance_notes ORDER BY id")
        t.rows("notes", cur)
        try:
            cur.execute("SELECT 1 / (id - id) FROM orders WHERE id = 1")
            t.value("division by zero", "ran", True)
        except psycopg2.Error as e:
            t.error("division by zero", e.pgcode)
        conn.autocommit = False
        named = conn.cursor(name="conformance_cursor")
        named.itersize = 6
        named.execute("SELECT id, email, card_number FROM customers ORDER BY id LIMIT 20")
        t.rows("named cursor", named)
        named.close()
        conn.rollback()
    finally:
        conn.close()


def main():
    mode = sys.argv[1]
    t = Transcript()
    if mode == "psycopg2":
        psycopg2_workload(t)
    else:
        psycopg3(mode, t)
    json.dump(t.results, sys.stdout)


if __name__ == "__main__":
    main()
