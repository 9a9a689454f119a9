import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface MultipartFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  filename: string;
  data: Uint8Array;
}

/**
 * A multipart/form-data body that sends the files' own bytes, written straight from the chunk
 * buffers to the socket. Through fetch, FormData copies every chunk into a Blob and a streamed body
 * copies every piece again (24 MiB per message each time); those copies are freed only when V8
 * collects them, which with a small young generation comes late, so uploads held ~150 MB more. The
 * length is known up front, so the request carries Content-Length rather than chunked encoding.
 */
export class MultipartBody {
  readonly boundary = `----idrive${randomBytes(12).toString('hex')}`;
  private readonly pieces: Uint8Array[];

  constructor(
    fields: { name: string; value: string }[],
    readonly files: MultipartFile[],
  ) {
    const head = (disposition: string, type: string) =>
      Buffer.from(`--${this.boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n${type}\r\n`);
    this.pieces = [];
    for (const f of fields) {
      this.pieces.push(
        head(`name="${f.name}"`, 'Content-Type: application/json\r\n'),
        Buffer.from(f.value),
        Buffer.from('\r\n'),
      );
    }
    for (const f of files) {
      this.pieces.push(
        head(
          `name="${f.field}"; filename="${quoted(f.filename)}"`,
          'Content-Type: application/octet-stream\r\n',
        ),
        f.data,
        Buffer.from('\r\n'),
      );
    }
    this.pieces.push(Buffer.from(`--${this.boundary}--\r\n`));
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  get length(): number {
    return this.pieces.reduce((sum, p) => sum + p.byteLength, 0);
  }

  /** Sends the body (from its start: a retry sends it again) and reads the whole answer. */
  post(
    url: string,
    method: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(target, {
        method,
        headers: { ...headers, 'content-type': this.contentType, 'content-length': String(this.length) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('error', reject);
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
              answer.append(name, v);
          }
          resolve({ status: res.statusCode ?? 0, headers: answer, text: Buffer.concat(parts).toString() });
        });
      });
      // Written all at once: the socket keeps the views, not copies, until the kernel has taken them.
      for (const piece of this.pieces) req.write(piece);
      req.end();
    });
  }
}

/** Our file names are plain ASCII (`<uuid>.bin`); quotes and line breaks would break the header. */
function quoted(name: string): string {
  return name.replace(/["\r\n\\]/g, '_');
}
