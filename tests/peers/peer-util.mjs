// Shared bits of the test peers: tiny argv parsing, the LISTENING handshake and SIGTERM exit.
export function parseFlags(argv, defaults) {
  const flags = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (!(name in defaults)) throw new Error(`unknown flag --${name}`);
    if (typeof defaults[name] === 'boolean') {
      flags[name] = true;
    } else {
      if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
      const value = argv[++i];
      flags[name] = typeof defaults[name] === 'number' ? Number(value) : value;
      if (typeof defaults[name] === 'number' && !Number.isFinite(flags[name]))
        throw new Error(`--${name} needs a number`);
    }
  }
  return flags;
}

// Binds 127.0.0.1 on an ephemeral port and announces it; tests wait for this exact line.
export function listenAndAnnounce(server) {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
