// node-postgres through the gateway: a parameterized query and a named prepared statement.
// Connection settings come from the environment; prints one JSON line with what it saw.
const { Client } = require('pg');

async function main() {
  const client = new Client({
    host: '127.0.0.1',
    port: Number(process.env.WARDEN_PORT),
    database: process.env.WARDEN_DATABASE,
    user: 'agent',
    password: process.env.WARDEN_KEY,
    ssl: { rejectUnauthorized: true, ca: require('fs').readFileSync(process.env.WARDEN_CA, 'utf8') },
    application_name: 'node-it',
  });
  await client.connect();
  const parameterized = await client.query('SELECT $1::int + $2::int AS sum, $3::text AS word', [40, 2, 'warden']);
  const prepared = [];
  for (let i = 0; i < 3; i++) {
    const r = await client.query({ name: 'square', text: 'SELECT $1::int * $1::int AS square', values: [i + 2] });
    prepared.push(r.rows[0].square);
  }
  let error = null;
  try {
    await client.query('SELECT 1/0');
  } catch (e) {
    error = e.code;
  }
  const after = await client.query('SELECT current_setting($1) AS app', ['application_name']);
  await client.end();
  console.log(JSON.stringify({ sum: parameterized.rows[0].sum, word: parameterized.rows[0].word, prepared, error, app: after.rows[0].app }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
