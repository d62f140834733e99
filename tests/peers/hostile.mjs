// Misbehaving MCP endpoints for the prober's failure paths: one process per scenario, chosen by
// `--scenario NAME`; `--tls` serves the same behaviour over HTTPS with a self-signed certificate
// made at start-up with the openssl CLI. Scenarios that break something after the handshake
// imitate an SDK v1 server (server/discover -> 400 -32000) so `auto` reaches the broken part.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fail, listenAndAnnounce, parseFlags } from './peer-util.mjs';

const scenarios = {
  'valid': 'a correct minimal legacy MCP server (stateless, JSON replies)',
  'hang': 'accept the TCP connection and never answer',
  'headers-then-silence': 'send 200 headers, then nothing',
  'sse-keepalive': 'answer every POST with an SSE stream of keep-alive comments, forever',
  'huge-body': 'answer with a 10 MB JSON body',
  'html': 'answer everything with a 200 HTML page',
  'not-found': 'answer everything with a 404 HTML page',
  'unauthorized': '401 with WWW-Authenticate: Bearer resource_metadata=..., scope=...',
  'token-expired': '401 with WWW-Authenticate: Bearer error="invalid_token", error_description="Token has expired"',
  'session-refused': 'legacy server that gives initialize a session id, then answers 404 -32001 Session not found to it',
  'forbidden': '403',
  'protected': 'OAuth-protected: 401 naming its resource_metadata, which names this server and an authorization server',
  'protected-no-hint': 'OAuth-protected: 401 without resource_metadata; the metadata at the path-aware well-known URL',
  'protected-wrong-resource': 'OAuth-protected: the metadata names another resource',
  'protected-elsewhere': 'OAuth-protected: the challenge points at metadata on another origin',
  'echo-token': '401 whose error_description echoes the bearer token it was sent',
  'insufficient-scope': '403 with WWW-Authenticate: Bearer error="insufficient_scope", scope="mcp:read mcp:write"',
  'rate-limited': '429 with Retry-After',
  'server-error': '500',
  'invalid-json': 'legacy server whose initialize reply is malformed JSON',
  'wrong-id': 'legacy server whose initialize reply carries another id',
  'no-protocol-version': 'legacy server whose initialize result lacks protocolVersion',
  'unsupported-version': 'legacy server that answers initialize with 2099-01-01',
  'tools-list-error': 'legacy server whose tools/list answers a JSON-RPC error',
  'cursor-loop': 'legacy server whose tools/list returns the same nextCursor forever',
  'reset-mid-body': 'send headers and part of the body, then reset the connection',
  'script-names': 'valid legacy server whose serverInfo and tool carry <script>alert(1)</script> and "quotes"',
};

let flags;
try {
  flags = parseFlags(process.argv.slice(2), { scenario: '', tls: false, list: false });
} catch (e) {
  fail(`hostile: ${e.message}`);
}
if (flags.list) {
  for (const [name, what] of Object.entries(scenarios)) process.stdout.write(`${name}: ${what}\n`);
  process.exit(0);
}
if (!(flags.scenario in scenarios)) fail(`hostile: --scenario must be one of ${Object.keys(scenarios).join(', ')}`);
const scenario = flags.scenario;

const kMaxRequestBody = 1024 * 1024;
const kLegacyVersions = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

function sendJson(res, status, body, extraHeaders = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json',
                          'Content-Length': Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

function sendHtml(res, status, title) {
  const page = `<!DOCTYPE html>\n<html><head><title>${title}</title></head>` +
               `<body><h1>${title}</h1><p>This is a web page, not an MCP server.</p></body></html>\n`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8',
                          'Content-Length': Buffer.byteLength(page) });
  res.end(page);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= kMaxRequestBody) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= kMaxRequestBody ? Buffer.concat(chunks).toString() : null));
    req.on('error', () => resolve(null));
  });
}

const echoTool = {
  name: 'echo',
  description: 'Echo the message back',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
};

function result(id, value) { return { jsonrpc: '2.0', id, result: value }; }
function error(id, code, message) { return { jsonrpc: '2.0', id, error: { code, message } }; }

// The correct behaviour; scenarios override single methods of it.
function legacyAnswer(message) {
  const { id, method, params = {} } = message;
  switch (method) {
    case 'initialize': {
      const asked = params.protocolVersion;
      return result(id, {
        protocolVersion: kLegacyVersions.includes(asked) ? asked : kLegacyVersions[0],
        capabilities: { tools: { listChanged: false } },
        serverInfo: { name: 'hostile-test', version: '1.0.0' },
      });
    }
    case 'ping': return result(id, {});
    case 'tools/list': return result(id, { tools: [echoTool] });
    case 'tools/call':
      if (params.name === 'echo')
        return result(id, { content: [{ type: 'text', text: String(params.arguments?.message ?? '') }] });
      return error(id, -32602, `Unknown tool: ${params.name}`);
    default: return error(id, -32601, 'Method not found');
  }
}

const overrides = {
  'invalid-json': { initialize: () => '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25",' },
  'wrong-id': {
    initialize: (m) => ({ ...legacyAnswer(m), id: typeof m.id === 'number' ? m.id + 1000 : `${m.id}-other` }),
  },
  'no-protocol-version': {
    initialize: (m) => {
      const answer = legacyAnswer(m);
      delete answer.result.protocolVersion;
      return answer;
    },
  },
  'unsupported-version': {
    initialize: (m) => {
      const answer = legacyAnswer(m);
      answer.result.protocolVersion = '2099-01-01';
      return answer;
    },
  },
  'tools-list-error': { 'tools/list': (m) => error(m.id, -32603, 'Internal error: tool registry unavailable') },
  'cursor-loop': { 'tools/list': (m) => result(m.id, { tools: [echoTool], nextCursor: 'c2FtZS1jdXJzb3I' }) },
  // Markup and quotes in every string a status page shows: web pages must escape them.
  'script-names': {
    initialize: (m) => {
      const answer = legacyAnswer(m);
      answer.result.serverInfo = {
        name: '<script>alert(1)</script> "quotes"',
        title: '<script>alert(1)</script> "title"',
        version: '1.0.0',
      };
      return answer;
    },
    'tools/list': (m) => result(m.id, {
      tools: [{ ...echoTool, name: '<script>alert(1)</script>"quotes"', description: '<script>alert(1)</script> "described"' }],
    }),
  },
};

async function legacyServer(req, res) {
  if (req.method !== 'POST') {
    sendJson(res, 405, error(null, -32000, 'Method not allowed.'), { Allow: 'POST' });
    return;
  }
  const text = await readBody(req);
  let message;
  try {
    message = JSON.parse(text ?? '');
  } catch {
    sendJson(res, 400, error(null, -32700, 'Parse error: Invalid JSON'));
    return;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    sendJson(res, 400, error(null, -32600, 'Invalid Request'));
    return;
  }
  // What an SDK v1 stateless server says to a modern request.
  if (message.method === 'server/discover' || req.headers['mcp-protocol-version'] === '2026-07-28') {
    sendJson(res, 400, error(null, -32000,
        'Bad Request: Unsupported protocol version: 2026-07-28 (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)'));
    return;
  }
  if (scenario === 'session-refused') {
    if (message.method === 'initialize') {
      sendJson(res, 200, legacyAnswer(message), { 'Mcp-Session-Id': 'refused-session-1' });
      return;
    }
    sendJson(res, 404, error(null, -32001, 'Session not found'));
    return;
  }
  if (message.id === undefined) { // notification
    res.writeHead(202).end();
    return;
  }
  const override = overrides[scenario]?.[message.method];
  sendJson(res, 200, override ? override(message) : legacyAnswer(message));
}

function hugeBody(res) {
  const total = 10 * 1024 * 1024;
  const head = '{"jsonrpc":"2.0","id":1,"result":{"padding":"';
  const tail = '"}}';
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': total });
  res.write(head);
  let left = total - head.length - tail.length;
  const chunk = 'x'.repeat(64 * 1024);
  const pump = () => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
      left -= piece.length;
      if (!res.write(piece)) return res.once('drain', pump);
    }
    res.end(tail);
  };
  res.on('error', () => {});
  pump();
}

function resetMidBody(res) {
  const body = JSON.stringify(result(1, { tools: [echoTool], padding: 'y'.repeat(2000) }));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.write(body.slice(0, 200));
  // Let the head and the first bytes reach the client, then RST instead of FIN.
  setTimeout(() => res.socket?.resetAndDestroy(), 50);
}

async function handle(req, res) {
  res.on('error', () => {});
  switch (scenario) {
    case 'headers-then-silence':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return;
    case 'sse-keepalive': {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': keep-alive\n\n');
      const timer = setInterval(() => res.write(': keep-alive\n\n'), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'huge-body': return hugeBody(res);
    case 'html': return sendHtml(res, 200, 'Welcome to nginx!');
    case 'not-found': return sendHtml(res, 404, `Cannot ${req.method} ${req.url.split('?')[0]}`);
    case 'unauthorized': {
      const port = req.socket.localPort;
      const scheme = flags.tls ? 'https' : 'http';
      return sendJson(res, 401, { error: 'invalid_token', error_description: 'Missing Authorization header' }, {
        'WWW-Authenticate': `Bearer resource_metadata="${scheme}://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp", scope="mcp:read"`,
      });
    }
    case 'token-expired':
      return sendJson(res, 401, { error: 'invalid_token', error_description: 'Token has expired' }, {
        'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Token has expired"',
      });
    case 'forbidden':
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden\n');
      return;
    case 'protected':
    case 'protected-no-hint':
    case 'protected-wrong-resource':
    case 'protected-elsewhere': {
      const origin = `${flags.tls ? 'https' : 'http'}://127.0.0.1:${req.socket.localPort}`;
      const path = req.url.split('?')[0];
      if (path === '/.well-known/oauth-protected-resource/mcp') {
        const resource = scenario === 'protected-wrong-resource' ? 'https://other.example/mcp' : `${origin}/mcp`;
        return sendJson(res, 200, {
          resource,
          authorization_servers: ['https://auth.example.com/tenant1'],
          scopes_supported: ['mcp:read'],
          bearer_methods_supported: ['header'],
        });
      }
      if (path.startsWith('/.well-known/')) return sendJson(res, 404, { error: 'not_found' });
      const metadataOrigin = scenario === 'protected-elsewhere' ? 'http://127.0.0.1:1' : origin;
      const hint = scenario === 'protected-no-hint' ? '' : ` resource_metadata="${metadataOrigin}/.well-known/oauth-protected-resource/mcp",`;
      return sendJson(res, 401, { error: 'invalid_request' }, {
        'WWW-Authenticate': `Bearer${hint} scope="mcp:read"`,
      });
    }
    case 'echo-token': {
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      return sendJson(res, 401, { error: 'invalid_token' }, {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="token ${token} is unknown; prefix ${token.slice(0, 12)}"`,
      });
    }
    case 'insufficient-scope':
      return sendJson(res, 403, { error: 'insufficient_scope' }, {
        'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="mcp:read mcp:write", error_description="needs write"',
      });
    case 'rate-limited':
      return sendJson(res, 429, { error: 'rate_limited', message: 'Too many requests' }, { 'Retry-After': '30' });
    case 'server-error':
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error\n');
      return;
    case 'reset-mid-body': return resetMidBody(res);
    default: return legacyServer(req, res);
  }
}

function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpwatch-hostile-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
                           '-nodes', '-keyout', key, '-out', cert, '-days', '30',
                           '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
               { stdio: ['ignore', 'ignore', 'pipe'] });
  const pair = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  return pair;
}

let server;
if (scenario === 'hang') {
  // Below HTTP: the connection is accepted and then nothing is ever written.
  const sockets = new Set();
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  if (flags.tls) fail('hostile: --tls does not apply to hang');
} else if (flags.tls) {
  let pair;
  try {
    pair = makeCertificate();
  } catch (e) {
    fail(`hostile: openssl failed: ${e.stderr?.toString() ?? e.message}`);
  }
  server = https.createServer(pair, handle);
} else {
  server = http.createServer(handle);
}
server.on('clientError', (err, socket) => socket.destroy());
listenAndAnnounce(server);
