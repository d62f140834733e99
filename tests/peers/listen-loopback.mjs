// Preload for peers that bind all interfaces on $PORT (server-everything): forces 127.0.0.1 and
// announces the real port as `LISTENING <port>` so tests can run them on port 0 in parallel.
import net from 'node:net';

const originalListen = net.Server.prototype.listen;
let announced = false;

function portOf(value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  let options;
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
    options = { ...args[0], host: '127.0.0.1' };
  } else {
    const port = portOf(args[0]);
    const backlog = args.find((a, i) => i > 0 && typeof a === 'number');
    options = { port: port ?? 0, host: '127.0.0.1' };
    if (backlog !== undefined) options.backlog = backlog;
  }
  this.once('listening', () => {
    if (announced) return;
    announced = true;
    const address = this.address();
    process.stdout.write(`LISTENING ${address.port}\n`);
  });
  return callback ? originalListen.call(this, options, callback)
                  : originalListen.call(this, options);
};

process.on('SIGTERM', () => process.exit(0));
