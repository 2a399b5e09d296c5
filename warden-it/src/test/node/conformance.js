// The node-postgres workload of ClientConformanceIT: named (prepared) statements reused, parameterized
// queries, text and binary results, a transaction. Usage: node conformance.js MODE (text|binary),
// with the connection string in WARDEN_DSN. Prints the transcript as JSON (see Transcript.java).
const { Client } = require('pg');

function text(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function main() {
  const binary = process.argv[2] === 'binary';
  const client = new Client({ connectionString: process.env.WARDEN_DSN, binary });
  await client.connect();
  const results = [];
  const rows = (label, result) =>
    results.push({
      label,
      columns: result.fields.map((f) => f.name),
      rows: result.rows.map((r) => result.fields.map((f) => text(r[f.name]))),
      error: null,
    });
  const run = async (label, query) => {
    try {
      rows(label, await client.query(query));
    } catch (e) {
      results.push({ label, columns: [], rows: [], error: e.code || 'client' });
    }
  };
  try {
    await run('simple select', 'SELECT id, full_name, email, card_number, ssn FROM customers ORDER BY id LIMIT 10');
    // A named statement: parsed once, then only bound and executed.
    for (let i = 1; i <= 12; i++) {
      await run(`named customer ${i}`, {
        name: 'customer-by-id',
        text: 'SELECT id, full_name, email, card_number, ssn, $1::int8 + 1 AS next FROM customers WHERE id = $2',
        values: [i, 500 + i],
      });
    }
    for (let i = 1; i <= 6; i++) {
      await run(`named orders ${i}`, {
        name: 'orders-of',
        text: 'SELECT id, amount, status FROM orders WHERE customer_id = $1 ORDER BY id',
        values: [i],
      });
    }
    for (let i = 1; i <= 6; i++) {
      await run(`unnamed ${i}`, {
        text: 'SELECT $1::text AS word, card_number FROM customers WHERE id = $2',
        values: [`w${i}`, i],
      });
    }
    await client.query('BEGIN');
    for (let i = 1; i <= 6; i++) {
      await run(`insert ${i}`, {
        name: 'insert-note',
        text: 'INSERT INTO conformance_notes (body, card_number) VALUES ($1, $2) RETURNING id, body, card_number',
        values: [`node ${i}`, `4111 1111 1111 ${1110 + i}`],
      });
    }
    await client.query('COMMIT');
    await run('division by zero', 'SELECT 1 / (id - id) FROM orders WHERE id = 1');
    await run('notes', 'SELECT id, body, card_number FROM conformance_notes ORDER BY id');
  } finally {
    await client.end();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
