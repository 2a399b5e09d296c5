"""The PyMySQL workload of MysqlConformanceIT, as Python applications use PyMySQL.

Usage: mysql_conformance.py, with "HOST PORT USER PASSWORD DATABASE [tls]" in WARDEN_MYSQL (a
password of "-" is none). Prints the transcript as JSON, as conformance.py does.
"""

import json
import os
import ssl

import pymysql


def text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def main():
    host, port, user, password, database, *rest = os.environ["WARDEN_MYSQL"].split(" ")
    options = {}
    if rest and rest[0] == "tls":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        options["ssl"] = context
    conn = pymysql.connect(
        host=host,
        port=int(port),
        user=user,
        password="" if password == "-" else password,
        database=database,
        autocommit=True,
        **options,
    )
    results = []

    def rows(label, cursor):
        columns = [d[0] for d in cursor.description]
        data = [[text(v) for v in row] for row in cursor.fetchall()]
        results.append({"label": label, "columns": columns, "rows": data, "error": None})

    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, full_name, email, card_number, ssn, created_at FROM customers"
            " ORDER BY id LIMIT 10"
        )
        rows("simple select", cur)
        for i in range(1, 9):
            cur.execute(
                "SELECT id, full_name, card_number, %s + 1 AS next FROM customers WHERE id = %s",
                (i, 300 + i),
            )
            rows(f"customer by id {i}", cur)
        cur.execute(
            "SELECT c.full_name, sum(o.amount) AS spent FROM customers c"
            " JOIN orders o ON o.customer_id = c.id WHERE c.id <= 10"
            " GROUP BY c.full_name ORDER BY c.full_name"
        )
        rows("aggregate", cur)
        cur.executemany(
            "INSERT INTO conformance_notes (body, card_number) VALUES (%s, %s)",
            [("py one", "4000000000000002"), ("py two", None)],
        )
        cur.execute("SELECT body, card_number FROM conformance_notes ORDER BY body")
        rows("notes", cur)
        cur.execute("SELECT id, total, card_number FROM billing.invoices ORDER BY id LIMIT 5")
        rows("invoices", cur)
    conn.close()
    print(json.dumps(results))


main()
