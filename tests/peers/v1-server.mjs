// SDK v1 (legacy era) MCP test server over Streamable HTTP, stateless or stateful, optionally
// paginated and behind a bearer token; used by the integration tests as a well-behaved peer.
//   --mode stateless|stateful   --json (application/json replies instead of SSE)
//   --page-size N (0 = one page)  --tools N (default 5: add, tool_1 .. tool_N-1)
//   --auth TOKEN (401 + WWW-Authenticate unless `Authorization: Bearer TOKEN`)
//   --log (one stderr line `REQUEST <http method> <json-rpc method> [cursor]` per request, so
//          tests can count pages)
//   --close-streams (stateful, SSE: an event store, `retry: 200`, and tools/list and tools/call
//          end their POST stream after the priming event; the answer waits for the client's
//          GET with Last-Event-ID, as SEP-1699 servers do)
//   --ask (adds tool `ask_model`, whose call first sends the client sampling/createMessage on
//          its stream and waits for the answer)
//   --oauth-client ID:SECRET (an OAuth-protected server and its own authorization server on the
//          same port: /mcp behind the SDK's requireBearerAuth; RFC 9728 metadata at
//          /.well-known/oauth-protected-resource/mcp, RFC 8414 metadata at
//          /.well-known/oauth-authorization-server, POST /token for the client_credentials grant
//          with client_secret_basic or client_secret_post; `--log` adds one stderr line
//          `TOKEN <status> <client auth>` per token request)
//   --token-lifetime SECONDS (default 3600: expires_in of the tokens issued)
//   --step-up-scope S (tools/list needs scope S too: 403 insufficient_scope with
//          scope="mcp:read S" for a token without it)
//   --token-echo (a hostile authorization server: /token answers 400 with everything it was
//          sent, the Authorization header and the body, in error_description)
//   --refuse-tokens (every token is refused with 401 invalid_token, even a new one)
//   --token-delay-ms N (the token endpoint answers after N ms)
//   POST /control/revoke forgets every token issued (the next request with one gets 401
//          invalid_token).
//   POST /control/token-status?status=N makes /token answer N (503: the AS is down; 200
//          again: it is back), so a test can take the authorization server away.
import express from 'express';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import {
  CallToolRequestSchema, CreateMessageResultSchema, ErrorCode, ListToolsRequestSchema, McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { fail, listenAndAnnounce, parseFlags } from './peer-util.mjs';

let flags;
try {
  flags = parseFlags(process.argv.slice(2),
                     { mode: 'stateless', json: false, 'page-size': 0, tools: 5, auth: '', log: false,
                       'close-streams': false, ask: false, 'oauth-client': '',
                       'token-lifetime': 3600, 'step-up-scope': '', 'token-echo': false,
                       'refuse-tokens': false, 'token-delay-ms': 0 });
} catch (e) {
  fail(`v1-server: ${e.message}`);
}
if (!['stateless', 'stateful'].includes(flags.mode)) fail('v1-server: --mode stateless|stateful');
if (flags.tools < 1) fail('v1-server: --tools must be at least 1');
if ((flags['close-streams'] || flags.ask) && (flags.mode !== 'stateful' || flags.json))
  fail('v1-server: --close-streams and --ask need --mode stateful without --json');

const tools = [{
  name: 'add',
  title: 'Add',
  description: 'Add two numbers',
  inputSchema: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  },
  annotations: { readOnlyHint: true },
}];
for (let i = 1; i < flags.tools; i++) {
  tools.push({
    name: `tool_${i}`,
    description: `Test tool number ${i}`,
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  });
}

if (flags.ask) {
  tools.push({
    name: 'ask_model',
    description: 'Asks the client for a sampling/createMessage before answering',
    inputSchema: { type: 'object', properties: {} },
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --close-streams: end the request's POST stream now; the answer follows on the resumed GET.
async function closeStream(extra) {
  if (!flags['close-streams']) return;
  if (!extra.closeSSEStream) throw new McpError(ErrorCode.InternalError, 'no event store');
  extra.closeSSEStream();
  await sleep(50);
}

// Cursors are the base64url of the next offset, like the SDK examples; anything else is -32602.
function page(cursor) {
  const size = flags['page-size'] > 0 ? flags['page-size'] : tools.length;
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = Buffer.from(cursor, 'base64url').toString();
    offset = /^\d+$/.test(decoded) ? Number(decoded) : NaN;
    if (!Number.isInteger(offset) || offset <= 0 || offset >= tools.length)
      throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
  }
  const result = { tools: tools.slice(offset, offset + size) };
  if (offset + size < tools.length)
    result.nextCursor = Buffer.from(String(offset + size)).toString('base64url');
  return result;
}

function buildServer() {
  const server = new Server({ name: 'v1-test-server', version: '1.0.0', title: 'V1 Test Server' },
                            { capabilities: { tools: { listChanged: false } }, instructions: 'test' });
  server.setRequestHandler(ListToolsRequestSchema, async (req, extra) => {
    await closeStream(extra);
    return page(req.params?.cursor);
  });
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    await closeStream(extra);
    const { name, arguments: args = {} } = req.params;
    if (name === 'ask_model' && flags.ask) {
      try {
        await extra.sendRequest({ method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 } },
          CreateMessageResultSchema, { timeout: 60000 });
        return { content: [{ type: 'text', text: 'the client sampled' }] };
      } catch (e) {
        process.stderr.write(`ASK ANSWERED ${e.code ?? '-'} ${e.message}\n`);
        return { content: [{ type: 'text', text: `the client declined: ${e.message}` }] };
      }
    }
    if (name === 'add') {
      if (typeof args.a !== 'number' || typeof args.b !== 'number')
        return { content: [{ type: 'text', text: 'a and b must be numbers' }], isError: true };
      return { content: [{ type: 'text', text: String(args.a + args.b) }] };
    }
    if (tools.some((t) => t.name === name))
      return { content: [{ type: 'text', text: String(args.text ?? '') }] };
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  });
  return server;
}

const app = express();
app.use(express.json({ limit: '1mb' }));

if (flags.log) {
  app.use((req, res, next) => {
    const cursor = req.body?.params?.cursor;
    process.stderr.write(`REQUEST ${req.method} ${req.body?.method ?? '-'}${cursor ? ` ${cursor}` : ''}\n`);
    next();
  });
}

if (flags['oauth-client']) {
  const colon = flags['oauth-client'].indexOf(':');
  if (colon <= 0) fail('v1-server: --oauth-client ID:SECRET');
  const clientId = flags['oauth-client'].slice(0, colon);
  const clientSecret = flags['oauth-client'].slice(colon + 1);
  const tokens = new Map(); // token -> expiresAt (seconds)
  let tokenStatus = 200;
  const origin = (req) => `http://127.0.0.1:${req.socket.localPort}`;
  app.get('/.well-known/oauth-protected-resource/mcp', (req, res) => res.json({
    resource: `${origin(req)}/mcp`, authorization_servers: [origin(req)], scopes_supported: ['mcp:read'] }));
  app.get('/.well-known/oauth-authorization-server', (req, res) => res.json({
    issuer: origin(req), token_endpoint: `${origin(req)}/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] }));
  app.post('/control/token-status', (req, res) => { tokenStatus = Number(req.query.status); res.json({}); });
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    if (flags['token-delay-ms'] > 0) await new Promise((r) => setTimeout(r, flags['token-delay-ms']));
    let id, secret, method = 'client_secret_post';
    const basic = req.headers.authorization;
    if (basic?.startsWith('Basic ')) {
      method = 'client_secret_basic';
      const text = Buffer.from(basic.slice(6), 'base64').toString();
      const i = text.indexOf(':');
      id = decodeURIComponent(text.slice(0, i).replace(/\+/g, ' '));
      secret = decodeURIComponent(text.slice(i + 1).replace(/\+/g, ' '));
    } else {
      id = req.body.client_id;
      secret = req.body.client_secret;
    }
    const answer = (status, body) => {
      if (flags.log) process.stderr.write(`TOKEN ${status} ${method}\n`);
      res.status(status).set('Cache-Control', 'no-store').json(body);
    };
    if (flags['token-echo'])
      return answer(400, { error: 'invalid_request',
                           error_description: `got ${req.headers.authorization ?? ''} ${new URLSearchParams(req.body)}` });
    if (tokenStatus !== 200) return answer(tokenStatus, { error: 'temporarily_unavailable' });
    if (req.body.grant_type !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
    if (id !== clientId || secret !== clientSecret)
      return answer(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    if (req.body.resource !== `${origin(req)}/mcp`) return answer(400, { error: 'invalid_target' });
    const token = `mcp-access-${randomUUID()}`;
    tokens.set(token, { expiresAt: Math.floor(Date.now() / 1000) + flags['token-lifetime'],
                        scopes: (req.body.scope ?? '').split(' ').filter(Boolean) });
    answer(200, { access_token: token, token_type: 'Bearer', expires_in: flags['token-lifetime'],
                  scope: req.body.scope ?? '' });
  });
  const verifier = {
    async verifyAccessToken(token) {
      const issued = tokens.get(token);
      if (issued === undefined) throw new InvalidTokenError('Unknown token');
      if (flags['refuse-tokens']) throw new InvalidTokenError('Token revoked');
      return { token, clientId, scopes: issued.scopes, expiresAt: issued.expiresAt };
    },
  };
  app.post('/control/revoke', (req, res) => { tokens.clear(); res.json({}); });
  const prm = (req) => `${origin(req)}/.well-known/oauth-protected-resource/mcp`;
  app.use('/mcp', (req, res, next) => requireBearerAuth({ verifier, resourceMetadataUrl: prm(req) })(req, res, next));
  const stepUp = flags['step-up-scope'];
  if (stepUp) {
    app.use('/mcp', (req, res, next) => {
      if (req.body?.method !== 'tools/list' || req.auth.scopes.includes(stepUp)) return next();
      res.set('WWW-Authenticate', `Bearer error="insufficient_scope", error_description="tools/list needs ${stepUp}", ` +
                                  `scope="mcp:read ${stepUp}", resource_metadata="${prm(req)}"`);
      res.status(403).json({ error: 'insufficient_scope' });
    });
  }
}

if (flags.auth) {
  app.use((req, res, next) => {
    if (req.headers.authorization === `Bearer ${flags.auth}`) return next();
    const port = req.socket.localPort;
    res.set('WWW-Authenticate',
            `Bearer resource_metadata="http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp", scope="mcp:read"`);
    res.status(401).json({ error: 'invalid_token', error_description: 'Missing Authorization header' });
  });
}

if (flags.mode === 'stateless') {
  app.post('/mcp', async (req, res) => {
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined,
                                                          enableJsonResponse: flags.json });
    res.on('close', () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const notAllowed = (req, res) => res.status(405).set('Allow', 'POST').json(
      { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
} else {
  const transports = new Map();
  const handle = async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    if (sid && !transport)
      return res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    if (!transport) {
      if (req.method !== 'POST' || req.body?.method !== 'initialize')
        return res.status(400).json({ jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null });
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: flags.json,
        ...(flags['close-streams'] ? { eventStore: new InMemoryEventStore(), retryInterval: 200 } : {}),
        onsessioninitialized: (id) => { transports.set(id, created); },
        onsessionclosed: (id) => { transports.delete(id); },
      });
      transport = created;
      await buildServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  };
  app.post('/mcp', handle);
  app.get('/mcp', handle);
  app.delete('/mcp', handle);
}

listenAndAnnounce(http.createServer(app));
