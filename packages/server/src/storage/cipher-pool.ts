import { Worker } from 'node:worker_threads';
import { IntegrityError } from './errors.js';
import type { SegmentCipher } from './segment-cipher.js';

interface JobBase {
  id: number;
  dataKey: Uint8Array;
  versionId: string;
  firstSegment: number;
  input: Uint8Array;
}
export type CipherJob =
  | (JobBase & { op: 'seal'; final: boolean })
  | (JobBase & { op: 'open'; segments: number; holdsLast: boolean; plainBytes: number; chunkIndex: number });

export type CipherResult =
  | { id: number; output: Uint8Array }
  | { id: number; error: { message: string; integrity: { chunk?: number; segment?: number } | undefined } };

type Pending = { resolve: (b: Buffer) => void; reject: (e: Error) => void; worker: PooledWorker };
type PooledWorker = { worker: Worker; busy: number };

/**
 * Seals and opens whole chunks on worker threads, so the thread that serves HTTP only moves bytes
 * and hashes them: AES-GCM on 8 MiB takes milliseconds that would otherwise stall every other
 * request. With size 0 the work runs inline (tests, tools).
 */
export class CipherPool {
  private readonly workers: PooledWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.workers.push({ worker: this.spawn(), busy: 0 });
  }

  /** Seals a chunk's plaintext (see SegmentCipher.sealSegments). The plaintext buffer may be handed over. */
  sealSegments(cipher: SegmentCipher, firstSegment: number, plain: Buffer, final: boolean): Promise<Buffer> {
    if (this.workers.length === 0) return attempt(() => cipher.sealSegments(firstSegment, plain, final));
    return this.run({ op: 'seal', ...this.base(cipher, firstSegment, plain), final });
  }

  /** Opens sealed segments (see SegmentCipher.openSegments); rejects with IntegrityError on damage. */
  openSegments(
    cipher: SegmentCipher,
    firstSegment: number,
    sealed: Buffer,
    segments: number,
    holdsLast: boolean,
    plainBytes: number,
    chunkIndex: number,
  ): Promise<Buffer> {
    if (this.workers.length === 0) {
      return attempt(() =>
        cipher.openSegments(firstSegment, sealed, segments, holdsLast, plainBytes, chunkIndex),
      );
    }
    return this.run({
      op: 'open',
      ...this.base(cipher, firstSegment, sealed),
      segments,
      holdsLast,
      plainBytes,
      chunkIndex,
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }

  private base(cipher: SegmentCipher, firstSegment: number, input: Buffer) {
    return { id: this.nextId++, dataKey: cipher.dataKey, versionId: cipher.versionId, firstSegment, input };
  }

  private run(job: CipherJob): Promise<Buffer> {
    const target = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    target.busy++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, worker: target });
      target.worker.postMessage(job, transferable(job.input));
    });
  }

  private spawn(): Worker {
    const worker = workerFor(new URL(`./cipher.worker${extension}`, import.meta.url));
    worker.on('message', (result: CipherResult) => {
      const pending = this.pending.get(result.id);
      if (!pending) return;
      this.pending.delete(result.id);
      pending.worker.busy--;
      if ('output' in result) {
        pending.resolve(
          Buffer.from(result.output.buffer, result.output.byteOffset, result.output.byteLength),
        );
      } else {
        const { message, integrity } = result.error;
        pending.reject(integrity ? new IntegrityError(message, integrity) : new Error(message));
      }
    });
    worker.on('error', (err) => {
      for (const [id, pending] of this.pending) {
        if (pending.worker.worker !== worker) continue;
        this.pending.delete(id);
        pending.reject(err);
      }
    });
    worker.unref();
    return worker;
  }
}

/**
 * A buffer that owns its whole memory is moved to the other thread, not copied. A small Buffer is a
 * slice of Node's shared pool: moving that would pull the pool out from under every other slice.
 */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owned && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

function attempt(fn: () => Buffer): Promise<Buffer> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

// Built, this module is cipher-pool.js next to cipher.worker.js. Run from source (tests, tsx) it is
// .ts, and a worker thread does not inherit the TypeScript loader, so it registers tsx first.
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

function workerFor(url: URL): Worker {
  if (extension === '.js') return new Worker(url);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, execArgv: ['--conditions=source'] });
}
