import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import http from 'node:http';

export interface Download {
  status: number;
  /** Whether the body arrived whole (false when either side cut the connection). */
  complete: boolean;
  headers: http.IncomingHttpHeaders;
  /** Body bytes received (all of them, or up to where the connection was cut). */
  bytes: number;
  sha256: string;
  /** The body, when it was kept in memory. */
  body?: Buffer;
}

export interface DownloadOptions {
  /** Cut the connection once this many body bytes have arrived (a dropped download). */
  cutAfter?: number;
  /** Write the body to this file instead of memory (appending when `append`). */
  toFile?: string;
  append?: boolean;
  /** Stop reading after the first piece until this settles: a client slow to take the body. */
  pauseUntil?: Promise<unknown>;
}

/** A GET over a real connection, streaming the body; with `cutAfter` it is cut short on purpose. */
export function download(
  url: string,
  headers: Record<string, string>,
  options: DownloadOptions = {},
): Promise<Download> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    let file: WriteStream | null = null;
    let bytes = 0;
    let responded = false;
    const request = http.get(url, { headers }, (res) => {
      responded = true;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const result: Download = {
          status: res.statusCode ?? 0,
          complete: res.complete,
          headers: res.headers,
          bytes,
          sha256: hash.digest('hex'),
        };
        if (!file) result.body = Buffer.concat(parts);
        if (file) file.end(() => resolve(result));
        else resolve(result);
      };
      if (options.toFile) file = createWriteStream(options.toFile, { flags: options.append ? 'a' : 'w' });
      res.on('data', (piece: Buffer) => {
        if (options.pauseUntil && bytes === 0) {
          res.pause();
          void options.pauseUntil.finally(() => res.resume());
        }
        const cut = options.cutAfter;
        const keep = cut !== undefined && bytes + piece.length > cut ? piece.subarray(0, cut - bytes) : piece;
        bytes += keep.length;
        hash.update(keep);
        if (file) {
          if (!file.write(keep)) {
            res.pause();
            file.once('drain', () => res.resume());
          }
        } else {
          parts.push(Buffer.from(keep));
        }
        if (cut !== undefined && bytes >= cut) {
          res.removeAllListeners('data');
          request.destroy();
          finish();
        }
      });
      res.on('end', finish);
      // A body cut short by the server ends here, incomplete, rather than as a failure.
      res.on('error', () => undefined);
      res.on('close', finish);
    });
    request.on('error', (err) => {
      if (!responded) reject(err);
    });
  });
}
