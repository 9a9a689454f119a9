import type { ServerResponse } from 'node:http';

/**
 * Writes a piece and resolves true once the socket has taken it, or false if the client went away:
 * only then may a pooled buffer under the piece be used again.
 */
export function written(res: ServerResponse, piece: Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const closed = () => resolve(false);
    res.once('close', closed);
    res.write(piece, (err) => {
      res.off('close', closed);
      resolve(!err);
    });
  });
}
