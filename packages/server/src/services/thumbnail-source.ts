import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import parseRange from 'range-parser';
import { written } from '../lib/written.js';
import type { FileService, OpenVersion } from './file.service.js';

export interface ServedVersion {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves one stored version, decrypted, on 127.0.0.1 under an unguessable path, for a program that
 * reads it by HTTP Range: ffprobe and ffmpeg seek inside a video (its index is often at the end)
 * without a full download, and no plaintext is ever written to disk.
 */
export async function serveVersion(files: FileService, file: OpenVersion): Promise<ServedVersion> {
  const secret = `/${randomBytes(24).toString('hex')}`;
  const size = file.version.size;
  const server = createServer((req, res) => {
    if (req.url !== secret || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    const ranges = req.headers.range ? parseRange(size, req.headers.range, { combine: true }) : -2;
    if (ranges === -1) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const range =
      Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : undefined;
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : size;
    res.writeHead(range ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(end - start),
      ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || start === end) {
      res.end();
      return;
    }
    void pump(files, files.read(file, start, end), res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${secret}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends the pieces, each going back to the file service once the socket has taken it (the buffers
 * are shared with every download). A seek drops the connection in the middle of a body: the read
 * simply stops, nothing to report.
 */
async function pump(files: FileService, pieces: AsyncGenerator<Buffer>, res: ServerResponse): Promise<void> {
  try {
    for await (const piece of pieces) {
      const sent = await written(res, piece);
      files.release(piece);
      if (!sent) return;
    }
    res.end();
  } catch {
    res.destroy();
  }
}
