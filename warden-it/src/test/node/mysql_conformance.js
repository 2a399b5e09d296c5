// The node mysql2 workload of MysqlConformanceIT: query() (the text protocol) and execute()
// (server-side prepared statements, binary rows), as node applications use them.
// Usage: node mysql_conformance.js, with "HOST PORT USER PASSWORD DATABASE [tls]" in WARDEN_MYSQL
// (a password of "-" is none). Prints the transcript as JSON.
const mysql = require('mysql2/promise');

function text(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

async function main() {
  const [host, port, user, password, database, tls] = process.env.WARDEN_MYSQL.split(' ');
  const conn = await mysql.createConnection({
    host,
    port: Number(port),
    user,
    password: password === '-' ? '' : password,
    database,
    timezone: 'Z',
    dateStrings: true,
    ssl: tls === 'tls' ? { rejectUnauthorized: false } : undefined,
    // In front of MariaDB, Warden asks for the token in clear inside TLS (mysql_clear_password),
    // which mysql2 sends only when told to.
    enableCleartextPlugin: tls === 'tls',
  });
  const results = [];
  const record = (label, rows, fields) => {
    results.push({
      label,
      columns: fields.map((f) => f.name),
      rows: rows.map((r) => fields.map((f) => text(r[f.name]))),
      error: null,
    });
  };
  let [rows, fields] = await conn.query(
    'SELECT id, full_name, email, card_number, ssn, created_at FROM customers ORDER BY id LIMIT 10');
  record('query: simple select', rows, fields);
  for (let i = 1; i <= 8; i++) {
    [rows, fields] = await conn.execute(
      'SELECT id, full_name, card_number, ssn, created_at FROM customers WHERE id = ?', [400 + i]);
    record(`execute: customer ${i}`, rows, fields);
  }
  for (let i = 1; i <= 4; i++) {
    [rows, fields] = await conn.execute(
      'SELECT o.id, o.amount, o.status, o.created_at FROM orders o WHERE o.customer_id = ? ORDER BY o.id',
      [i]);
    record(`execute: orders of ${i}`, rows, fields);
  }
  await conn.execute('INSERT INTO conformance_notes (body, card_number) VALUES (?, ?)',
    ['node one', '4000000000000002']);
  [rows, fields] = await conn.query('SELECT body, card_number FROM conformance_notes ORDER BY body');
  record('query: notes', rows, fields);
  [rows, fields] = await conn.execute(
    'SELECT id, total, card_number, issued_at FROM billing.invoices WHERE id <= ? ORDER BY id', [6]);
  record('execute: invoices', rows, fields);
  await conn.end();
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
