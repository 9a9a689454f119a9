import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { sendPieces } from './content.js';

describe('sendPieces', () => {
  /** Serves three pieces under `headers`, counting what goes back to the pool and whether the reader was closed. */
  async function serve(headers: Record<string, string>) {
    const released: Buffer[] = [];
    let closed = false;
    const app = Fastify();
    app.get('/body', async (request, reply) => {
      async function* pieces() {
        try {
          for (let i = 0; i < 3; i++) yield Buffer.alloc(1024, i);
        } finally {
          closed = true;
        }
      }
      return sendPieces(request, reply, 200, headers, pieces(), (piece) => released.push(piece));
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const outcome = await fetch(`${base}/body`).then(
      async (res) => ({ status: res.status, bytes: (await res.arrayBuffer()).byteLength }),
      () => ({ status: -1, bytes: 0 }),
    );
    await app.close();
    return { outcome, released, closed };
  }

  it('hands every piece back and closes the reader when all goes well', async () => {
    const { outcome, released, closed } = await serve({ 'content-type': 'application/octet-stream' });
    expect(outcome).toEqual({ status: 200, bytes: 3072 });
    expect(released).toHaveLength(3);
    expect(closed).toBe(true);
  });

  it('finding 4: a header Node refuses ends the response, and the piece already read still goes back', async () => {
    const { outcome, released, closed } = await serve({ 'content-type': 'text/html\u0001' });
    expect(outcome.status).toBe(-1);
    expect(released).toHaveLength(1);
    expect(closed).toBe(true);
  });
});
