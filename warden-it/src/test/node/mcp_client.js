// The MCP TypeScript SDK's own client against Warden's MCP door (DemoIT): connects over Streamable
// HTTP with a bearer token, lists the tools, runs a read and tries a write through the read-only
// query tool, and prints one JSON line with what came back.
//
//   WARDEN_MCP_URL=https://localhost:18443/mcp WARDEN_MCP_TOKEN=... WARDEN_MCP_CONNECTION=shop \
//   WARDEN_MCP_SQL='SELECT ...' NODE_EXTRA_CA_CERTS=ca.crt node mcp_client.js
'use strict';

(async () => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import(
    '@modelcontextprotocol/sdk/client/streamableHttp.js'
  );
  const transport = new StreamableHTTPClientTransport(new URL(process.env.WARDEN_MCP_URL), {
    requestInit: { headers: { Authorization: `Bearer ${process.env.WARDEN_MCP_TOKEN}` } },
  });
  const client = new Client({ name: 'warden-it-node', version: '1.0.0' });
  await client.connect(transport);
  const connection = process.env.WARDEN_MCP_CONNECTION;
  const tools = await client.listTools();
  const read = await client.callTool({
    name: 'query',
    arguments: { connection, sql: process.env.WARDEN_MCP_SQL },
  });
  const write = await client.callTool({
    name: 'query',
    arguments: { connection, sql: 'SELECT 1; DELETE FROM customers' },
  });
  console.log(
    JSON.stringify({
      tools: tools.tools.map((t) => t.name).sort(),
      read: { isError: read.isError === true, ...read.structuredContent },
      write: { isError: write.isError === true, ...write.structuredContent },
    }),
  );
  await client.close();
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
