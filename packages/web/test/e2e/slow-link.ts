import net from 'node:net';

export interface SlowLink {
  /** `http://127.0.0.1:<port>`: the server, reached through the slow link. */
  url: string;
  close(): Promise<void>;
}

/**
 * A TCP pass-through to `target` whose answers reach the browser at about `bytesPerSecond` per
 * connection, as over a slow line. Chromium's network throttling (DevTools) leaves downloads alone,
 * so a download that must stay in flight long enough to be watched and cancelled goes through this.
 * Requests go to the server at full speed, and either side closing closes the other.
 */
export async function startSlowLink(target: string, bytesPerSecond: number): Promise<SlowLink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    // What the server sent goes on at the link's pace, even after it closed its side.
    let paced = Promise.resolve();
    upstream.on('data', (piece: Buffer) => {
      upstream.pause();
      paced = paced.then(() => pace(client, piece, bytesPerSecond)).then(() => void upstream.resume());
    });
    upstream.on('close', () => void paced.then(() => client.end()));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `piece`, then waits as long as sending it takes at the link's speed. */
async function pace(to: net.Socket, piece: Buffer, bytesPerSecond: number): Promise<void> {
  if (to.destroyed) return;
  to.write(piece);
  await new Promise((resolve) => setTimeout(resolve, (piece.length / bytesPerSecond) * 1000));
}
