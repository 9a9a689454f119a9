import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { SlotCounter } from '../lib/slot-counter.js';

// A raw response, because a refused connection never reaches Fastify: it is turned away before any
// request on it is parsed.
const REFUSAL = (() => {
  const body = JSON.stringify({
    error: { code: 'too_many_requests', message: 'Too many open connections from this address' },
  });
  return (
    'HTTP/1.1 503 Service Unavailable\r\n' +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Retry-After: 5\r\n' +
    'Connection: close\r\n\r\n' +
    body
  );
})();

/**
 * Caps the connections one remote address may hold open at once, so a single client trickling bytes
 * over many sockets cannot take every connection the process can serve. Connections over the cap get
 * a 503 and are closed; `max` 0 turns the cap off.
 */
export function capConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new SlotCounter(max);
  // Prepended, so the refusal is written before Node's HTTP parser takes the socket.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address) return;
    const release = open.take(address);
    if (release) socket.once('close', release);
    else socket.write(REFUSAL, () => socket.destroy());
  });
}
