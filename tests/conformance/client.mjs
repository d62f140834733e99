// The client command the official conformance runner starts for each client scenario
// (`conformance client --command "node client.mjs"`): it runs the real `mcpwatch probe` against
// the scenario's mock server, as a user would, and exits non-zero when a probe did not end as
// the scenario requires. The runner appends the server URL as the last argument and passes
// MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION (0.2 line) and, for some
// scenarios, MCP_CONFORMANCE_CONTEXT (JSON). MCPWATCH_BIN names the binary under test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[process.argv.length - 1];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION;
const context = process.env.MCP_CONFORMANCE_CONTEXT ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) : {};
const bin = process.env.MCPWATCH_BIN;
if (!bin) {
  process.stderr.write('client.mjs: MCPWATCH_BIN is not set\n');
  process.exit(2);
}

let failed = false;
// One `mcpwatch probe --json`; `expect` is 'up' or a failure reason.
function probe(extra, expect = 'up', env = {}) {
  const args = ['probe', url, '--json', '--timeout', '10', ...extra];
  // The version the scenario runs at is the one the client speaks.
  if (version) args.push('--accept-version', version);
  const run = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  let result = null;
  try {
    result = JSON.parse(run.stdout);
  } catch {
    // reported below
  }
  const got = result ? (result.ok ? 'up' : result.failure?.reason) : `no JSON (exit ${run.status})`;
  process.stdout.write(`mcpwatch ${args.slice(2).join(' ')} -> ${got}` +
                       (result?.failure ? `: ${result.failure.detail}` : '') + '\n');
  if (run.stderr) process.stderr.write(run.stderr);
  if (got !== expect) {
    process.stdout.write(`  expected ${expect}\n`);
    failed = true;
  }
  return result;
}

const call = (name, args = {}) => ['--call', name, '--args', JSON.stringify(args)];

switch (scenario) {
  case 'tools_call':
    probe(call('add_numbers', { a: 2, b: 3 }));
    break;
  case 'sse-retry':
    probe(call('test_reconnection'));
    break;
  case 'http-standard-headers': {
    // Mcp-Method on every request and Mcp-Name on tools/call: call the first tool listed.
    const listed = probe([]);
    const first = listed?.tools?.names?.[0];
    if (first) probe(call(first));
    else failed = true;
    break;
  }
  case 'http-custom-headers':
    for (const c of context.toolCalls ?? []) probe(call(c.name, c.arguments));
    break;
  case 'http-invalid-tool-headers': {
    // The valid tool is called; a tool with an invalid x-mcp-header must not be.
    probe(call('valid_tool', { region: 'us-west1' }));
    const listed = probe([]);
    for (const name of listed?.tools?.names ?? [])
      if (name.startsWith('invalid_')) probe(call(name, { value: 'x' }), 'tool_call_failed');
    break;
  }
  case 'auth/client-credentials-basic': {
    // The secret goes through the environment, as a user would pass it (never on argv).
    const result = probe(['--oauth-client-id', context.client_id, '--oauth-client-secret-env',
                          'CONFORMANCE_CLIENT_SECRET'],
                         'up', { CONFORMANCE_CLIENT_SECRET: context.client_secret });
    if (result?.auth?.client_auth !== 'client_secret_basic') failed = true;
    break;
  }
  case 'auth/client-credentials-jwt': {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-conformance-'));
    const key = join(dir, 'client-key.pem');
    writeFileSync(key, context.private_key_pem, { mode: 0o600 });
    const result = probe(['--oauth-client-id', context.client_id, '--oauth-private-key', key]);
    if (result?.auth?.client_auth !== 'private_key_jwt') failed = true;
    break;
  }
  case 'auth/resource-mismatch':
  case 'auth/metadata-issuer-mismatch': {
    // mcpwatch's client must stop before any authorization when the resource metadata names
    // another resource, or the authorization server metadata another issuer: the probe fails
    // with auth_token_failed and no credential is sent anywhere.
    const result = probe(['--oauth-client-id', 'mcpwatch-conformance', '--oauth-client-secret-env',
                          'CONFORMANCE_CLIENT_SECRET'],
                         'auth_token_failed', { CONFORMANCE_CLIENT_SECRET: 'not-sent-anywhere' });
    if (result?.auth?.token_requests !== 0) failed = true;
    break;
  }
  default: // initialize, request-metadata, json-schema-ref-no-deref: a plain probe
    probe([]);
}
process.exit(failed ? 1 : 0);
