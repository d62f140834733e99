// A real SMTP server (nodemailer's smtp-server) for the email sink tests: STARTTLS, implicit TLS or
// plain, AUTH PLAIN/LOGIN, scripted 4xx/5xx failures and a slow greeting; every accepted message
// is parsed with mailparser and printed as one `MESSAGE <json>` line on stdout.
//
//   node smtp-server.mjs [--tls starttls|tls|none] [--auth plain,login|none] [--user U --pass P]
//                        [--cert FILE --key FILE] [--control DIR] [--greeting-delay MS]
//
// Scripted failures: the test writes DIR/fail.json = {"count": N, "code": 451, "message": "...",
// "stage": "mail"|"data"}; the next N transactions are answered with that reply at that stage
// (each one also prints `REJECTED <json>`). The file is re-read on every transaction.
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { fail, parseFlags } from './peer-util.mjs';

let flags;
try {
  flags = parseFlags(process.argv.slice(2), {
    tls: 'none',
    auth: 'none',
    user: '',
    pass: '',
    cert: '',
    key: '',
    control: '',
    'greeting-delay': 0,
  });
} catch (error) {
  fail(error.message);
}
if (!['starttls', 'tls', 'none'].includes(flags.tls)) fail(`--tls must be starttls, tls or none`);
const authMethods = flags.auth === 'none' ? [] : flags.auth.split(',').map((m) => m.toUpperCase());
for (const method of authMethods)
  if (!['PLAIN', 'LOGIN'].includes(method)) fail(`--auth: unknown method ${method}`);
if (authMethods.length > 0 && !flags.user) fail('--auth needs --user and --pass');
if (flags.tls !== 'none' && (!flags.cert || !flags.key)) fail(`--tls ${flags.tls} needs --cert and --key`);

function emit(kind, value) {
  process.stdout.write(`${kind} ${JSON.stringify(value)}\n`);
}

// The scripted failure for `stage`, consumed when it applies; null when none is due.
function takeFailure(stage) {
  if (!flags.control) return null;
  const file = path.join(flags.control, 'fail.json');
  let script;
  try {
    script = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null; // no script (or one being replaced: the writer renames atomically)
  }
  if (!(script.count > 0) || (script.stage ?? 'data') !== stage) return null;
  script.count -= 1;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(script));
  fs.renameSync(tmp, file);
  const error = new Error(script.message || `scripted failure ${script.code}`);
  error.responseCode = script.code;
  return error;
}

function envelopeOf(session) {
  return {
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
  };
}

// Raw header lines unfolded (CRLF + WSP joined), by lower-case name, in order.
function rawHeaders(headerLines) {
  const out = {};
  for (const { key, line } of headerLines) {
    const colon = line.indexOf(':');
    const value = line.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').replace(/^[ \t]+/, '');
    (out[key] ??= []).push(value);
  }
  return out;
}

const tlsOptions =
  flags.tls === 'none'
    ? {}
    : { key: fs.readFileSync(flags.key), cert: fs.readFileSync(flags.cert) };

const server = new SMTPServer({
  ...tlsOptions,
  secure: flags.tls === 'tls',
  hideSTARTTLS: flags.tls !== 'starttls',
  // With STARTTLS offered, AUTH before the upgrade is refused (538): a sink that authenticated
  // proves it upgraded first.
  allowInsecureAuth: flags.tls === 'none',
  authMethods,
  authOptional: authMethods.length === 0,
  disabledCommands: authMethods.length === 0 ? ['AUTH'] : [],
  disableReverseLookup: true,
  logger: false,
  size: 10 * 1024 * 1024,
  onConnect(session, callback) {
    const delay = flags['greeting-delay'];
    if (delay > 0) setTimeout(() => callback(), delay);
    else callback();
  },
  onAuth(auth, session, callback) {
    const ok =
      (auth.method === 'PLAIN' || auth.method === 'LOGIN') &&
      auth.username === flags.user &&
      auth.password === flags.pass;
    if (!ok) {
      emit('AUTHFAIL', { method: auth.method, username: auth.username });
      const error = new Error('Error: Authentication credentials invalid');
      error.responseCode = 535;
      return callback(error);
    }
    callback(null, { user: { name: auth.username, method: auth.method } });
  },
  onMailFrom(address, session, callback) {
    const failure = takeFailure('mail');
    if (failure) {
      emit('REJECTED', { stage: 'mail', code: failure.responseCode, mailFrom: address.address });
      return callback(failure);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (error) => callback(error));
    stream.on('end', async () => {
      const failure = takeFailure('data');
      if (failure) {
        emit('REJECTED', { stage: 'data', code: failure.responseCode, ...envelopeOf(session) });
        return callback(failure);
      }
      const raw = Buffer.concat(chunks);
      try {
        const parsed = await simpleParser(raw);
        emit('MESSAGE', {
          envelope: envelopeOf(session),
          secure: !!session.secure,
          user: session.user ? session.user.name : null,
          authMethod: session.user ? session.user.method : null,
          raw: raw.toString('utf8'),
          headers: rawHeaders(parsed.headerLines),
          subject: parsed.subject ?? null,
          messageId: parsed.messageId ?? null,
          inReplyTo: parsed.inReplyTo ?? null,
          references: parsed.references ?? null,
          from: parsed.from ? parsed.from.text : null,
          to: parsed.to ? [].concat(parsed.to).map((t) => t.text) : [],
          text: parsed.text ?? null,
          html: parsed.html || null,
        });
        callback(null, 'OK: queued');
      } catch (error) {
        emit('REJECTED', { stage: 'parse', code: 554, error: String(error) });
        const refusal = new Error(`message could not be parsed: ${error.message}`);
        refusal.responseCode = 554;
        callback(refusal);
      }
    });
  },
});
server.on('error', (error) => process.stderr.write(`smtp-server: ${error.message}\n`));

// SMTPServer has no address(): announce from its net.Server (the LISTENING contract of the peers).
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.server.address().port}\n`);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
