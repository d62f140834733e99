// SDK v2 MCP test server: modern era (2026-07-28) with the stateless legacy fallback by default,
// or modern-only with `--legacy reject`. `--response-mode auto|sse|json` picks the reply framing.
// `--fail-discover N` answers the first N server/discover requests with 503, as a proxy in front
// of a restarting server does. `--param-headers` adds tool `locate`, whose `region` argument is
// marked `x-mcp-header: Region` (SEP-2243): the server rejects a call without Mcp-Param-Region.
import http from 'node:http';
import { z } from 'zod';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { fail, listenAndAnnounce, parseFlags } from './peer-util.mjs';

let flags;
try {
  flags = parseFlags(process.argv.slice(2), { legacy: 'stateless', 'response-mode': 'auto', 'fail-discover': 0, 'param-headers': false });
} catch (e) {
  fail(`v2-server: ${e.message}`);
}
if (!['stateless', 'reject'].includes(flags.legacy)) fail('v2-server: --legacy stateless|reject');
if (!['auto', 'sse', 'json'].includes(flags['response-mode']))
  fail('v2-server: --response-mode auto|sse|json');

const factory = () => {
  const server = new McpServer({ name: 'v2-test-server', version: '2.0.0', title: 'V2 Test Server' });
  server.registerTool('add', {
    title: 'Add',
    description: 'Add two numbers',
    inputSchema: z.object({ a: z.number(), b: z.number() }),
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  server.registerTool('echo', {
    description: 'Echo the message back',
    inputSchema: z.object({ message: z.string() }),
  }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
  if (flags['param-headers']) {
    server.registerTool('locate', {
      description: 'Answers with the region it was asked about',
      inputSchema: z.object({
        region: z.string().meta({ 'x-mcp-header': 'Region' }),
        query: z.string(),
      }),
    }, async ({ region }) => ({ content: [{ type: 'text', text: `region ${region}` }] }));
  }
  return server;
};

const handler = toNodeHandler(createMcpHandler(factory, {
  legacy: flags.legacy,
  responseMode: flags['response-mode'],
}));

let discoverFailuresLeft = flags['fail-discover'];
listenAndAnnounce(http.createServer((req, res) => {
  if (discoverFailuresLeft > 0 && req.method === 'POST' &&
      req.headers['mcp-method'] === 'server/discover') {
    discoverFailuresLeft--;
    return res.writeHead(503, { 'Content-Type': 'text/plain' }).end('upstream unavailable');
  }
  if (req.url === '/mcp' || req.url.startsWith('/mcp?')) return handler(req, res);
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
}));
