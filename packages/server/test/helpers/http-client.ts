import http from 'node:http';

export interface SentResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  method: string;
  headers?: Record<string, string>;
  /** Pieces of the body, sent with back-pressure. */
  body?: Iterable<Buffer>;
  /** Cut the connection once this many body bytes are written (a dropped network). */
  dropAfter?: number;
  /** Called after each written piece with the bytes written so far. */
  onProgress?: (written: number) => void;
}

/** One HTTP request over a real connection; resolves with status -1 when the connection was dropped. */
export function send(url: string, options: SendOptions): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: options.headers });
    let dropped = false;
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) =>
      dropped ? resolve({ status: -1, headers: {}, body: Buffer.alloc(0) }) : reject(err),
    );

    void (async () => {
      let written = 0;
      for (const piece of options.body ?? []) {
        if (options.dropAfter !== undefined && written + piece.length > options.dropAfter) {
          dropped = true;
          req.destroy(new Error('dropped on purpose'));
          return;
        }
        if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
        written += piece.length;
        options.onProgress?.(written);
      }
      req.end();
    })();
  });
}

/** Streams a response body into `consume` without keeping it; returns status, headers and byte count. */
export function receive(
  url: string,
  headers: Record<string, string>,
  consume: (piece: Buffer) => void,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          bytes += d.length;
          consume(d);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, firstByteMs }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export async function loginOver(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, bearer: true }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
