import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fromThreadError, type ThreadError } from './errors.js';
import {
  checkHashedBefore,
  openChunk,
  sealChunk,
  trailerSize,
  type ChunkPlace,
  type OpenPlan,
} from './chunk-format.js';
import { openPackedSlices, type PackedOutcome, type PackedSlice } from './packed-open.js';
import { canSealInPlace, type DriveBinding, type SegmentCipher } from './segment-cipher.js';

interface CipherJobBase {
  id: number;
  session: number;
  /** Add the job's plaintext to the session's running SHA-256. */
  hash: boolean;
  /** Keep SHA-1 and MD5 beside it (set from the session's first job on). */
  checksums: boolean;
  dataKey: Uint8Array;
  versionId: string;
  binding: DriveBinding | undefined;
  input: Uint8Array;
}
export type WorkerJob =
  | (CipherJobBase & {
      op: 'seal';
      place: ChunkPlace;
      /** The input is shared memory with room for the tags and trailer: seal it where it is. */
      inPlace: boolean;
    })
  | (CipherJobBase & {
      op: 'open';
      plan: OpenPlan;
      /** The input is shared memory: open it where it is. */
      inPlace: boolean;
    })
  /** Adds plaintext opened on another thread to the session's running SHA-256. */
  | { op: 'hash'; id: number; session: number; input: Uint8Array }
  | {
      op: 'openPacked';
      id: number;
      /** Sealed bytes read from a pack; each slice is opened in place. */
      input: Uint8Array;
      /** The slices' data keys, 32 bytes each, in one buffer: one small buffer per key costs more to send. */
      keys: Uint8Array;
      slices: (PackedSlice & { versionId: string; binding: DriveBinding | undefined })[];
    }
  | { op: 'digest'; id: number; session: number }
  | { op: 'drop'; id: number; session: number };

export type WorkerResult =
  /** `input` comes back too, so its buffer can be used again. */
  | { id: number; output: Uint8Array; input?: Uint8Array; outcomes?: PackedOutcome[] }
  | { id: number; digest: string; checksums?: { sha1: string; md5: string } }
  | { id: number; hashed: true }
  | { id: number; error: ThreadError };

type Settle = { resolve: (r: WorkerResult) => void; reject: (e: Error) => void };
type PooledWorker = { worker: Worker; sessions: number; pending: Map<number, Settle> };

/**
 * Seals and opens chunks off the thread that serves HTTP, and hashes their plaintext there too: AES-GCM
 * and SHA-256 over 8 MiB take milliseconds that would otherwise stall every other request. Work comes
 * in sessions, one per file being written or read: a session's jobs run in order on one worker, which
 * keeps the file's running SHA-256. With size 0 everything runs inline (unit tests, tools).
 *
 * Workers start when there is work for them, up to `size`: each one costs ~10 MB, which a drive that
 * sits idle, or only ever moves one file at a time, should not pay for the others.
 */
export class CipherPool {
  private readonly workers: PooledWorker[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  /** Worker threads started so far. */
  get threads(): number {
    return this.workers.length;
  }

  /**
   * A session for one file; with `hash`, it keeps the SHA-256 of all plaintext it seals or opens.
   * With `hashApart` (a whole-file read), the hash runs on a second thread when the pool has one:
   * hashing costs about twice what opening does, and on one thread the two take turns, so a
   * download ran at the speed of open + SHA-256; apart, the next chunk opens while this one hashes.
   */
  session(hash: boolean, options: { hashApart?: boolean; checksums?: boolean } = {}): CipherSession {
    const checksums = hash && options.checksums === true;
    if (this.size === 0 || this.closed) return new InlineSession(hash, checksums);
    const target = this.pick()!;
    const hasher = hash && options.hashApart ? this.pick(target) : undefined;
    return new WorkerSession(target, hasher, this.nextId++, { hash, checksums }, () => this.nextId++);
  }

  /**
   * Opens many small files' chunks read together from one pack, in one job: a zip of small files
   * would otherwise pay a round trip to a thread per file. Each slice is opened in place in
   * `sealed` (use the buffer returned, never the one passed) and its plaintext's SHA-256 comes back
   * with it; a slice that fails says why without failing the others.
   */
  async openPacked(
    sealed: Buffer,
    slices: readonly (PackedSlice & { cipher: SegmentCipher })[],
  ): Promise<{ opened: Buffer; outcomes: PackedOutcome[] }> {
    if (this.size === 0 || this.closed) return { opened: sealed, outcomes: openPackedSlices(sealed, slices) };
    // Memory of its own, moved to the thread: a view into Node's buffer pool would take the pool along.
    const keys = Buffer.allocUnsafeSlow(32 * slices.length);
    slices.forEach(({ cipher }, k) => cipher.dataKey.copy(keys, 32 * k));
    const job: WorkerJob = {
      op: 'openPacked',
      id: this.nextId++,
      input: sealed,
      keys,
      slices: slices.map(({ cipher, ...slice }) => ({
        ...slice,
        versionId: cipher.versionId,
        binding: cipher.binding,
      })),
    };
    const result = await post(this.pick()!, job);
    if ('error' in result) throw fromThreadError(result.error);
    if (!('outcomes' in result) || !result.outcomes)
      throw new Error('The cipher worker returned no outcomes');
    const out = result.output;
    return { opened: Buffer.from(out.buffer, out.byteOffset, out.byteLength), outcomes: result.outcomes };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }

  /** An idle worker, else a new one while the pool has room, else the least busy; never `not`. */
  private pick(not?: PooledWorker): PooledWorker | undefined {
    const others = this.workers.filter((w) => w !== not);
    const idle = others.find((w) => w.sessions === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const spawned = this.spawn();
      this.workers.push(spawned);
      return spawned;
    }
    return others.reduce<PooledWorker | undefined>(
      (a, b) => (!a || b.sessions < a.sessions ? b : a),
      undefined,
    );
  }

  private spawn(): PooledWorker {
    const pooled: PooledWorker = {
      worker: workerFor(new URL(`./cipher.worker${extension}`, import.meta.url)),
      sessions: 0,
      pending: new Map(),
    };
    pooled.worker.on('message', (result: WorkerResult) => {
      const settle = pooled.pending.get(result.id);
      pooled.pending.delete(result.id);
      settle?.resolve(result);
    });
    pooled.worker.on('error', (err) => {
      for (const settle of pooled.pending.values()) settle.reject(err);
      pooled.pending.clear();
    });
    pooled.worker.unref();
    return pooled;
  }
}

export interface Sealed {
  sealed: Buffer;
  /** The plaintext buffer, handed back for reuse. */
  plain: Buffer;
}

/** The chunk work of one file, in order. */
export interface CipherSession {
  /** Plaintext bytes hashed so far (everything sealed or opened through this session). */
  readonly hashedBytes: number;
  /**
   * Seals a chunk's plaintext, with its trailer in format 2 (see sealChunk). Plaintext in shared
   * memory with room for the tags and trailer (canSealInPlace) is sealed in place: `sealed` is then
   * the same memory. Any other may travel to another thread: use the buffers returned, never the one
   * passed. A format-2 final chunk needs a session that hashed the whole file before it.
   */
  seal(cipher: SegmentCipher, plain: Buffer, place: ChunkPlace): Promise<Sealed>;
  /**
   * Opens sealed segments, checking the chunk's trailer when the plan has one (see openChunk);
   * rejects with IntegrityError on damage. A buffer in shared memory (BufferPool) is opened in
   * place; any other may travel to another thread. `decrypted` is told once the bytes opened, before
   * the session hashes them, so a reader can hand the next chunk over without waiting for the hash.
   */
  open(cipher: SegmentCipher, sealed: Buffer, plan: OpenPlan, decrypted?: () => void): Promise<Buffer>;
  /** SHA-256 (hex) of everything hashed; ends the session. */
  digest(): Promise<string>;
  /** The same, with SHA-1 and MD5 when the session was opened with `checksums`; ends the session. */
  digests(): Promise<Digests>;
  /** Ends the session without a digest. */
  drop(): void;
}

/** Hex digests of a file's plaintext. */
export interface Digests {
  sha256: string;
  sha1?: string;
  md5?: string;
}

class InlineSession implements CipherSession {
  hashedBytes = 0;
  private readonly hashes: Hash[];

  constructor(hash: boolean, checksums: boolean) {
    this.hashes = hash ? newHashes(checksums) : [];
  }

  async seal(cipher: SegmentCipher, plain: Buffer, place: ChunkPlace): Promise<Sealed> {
    checkHashedBefore(cipher, place, this.hashes.length > 0, this.hashedBytes);
    // Hashed first: sealing in place overwrites the plaintext.
    this.update(plain);
    const inPlace = canSealInPlace(plain, trailerSize(cipher));
    const sha256 = () => this.hashes[0]!.copy().digest('hex');
    return { sealed: sealChunk(cipher, plain, place, inPlace, sha256), plain };
  }

  open(cipher: SegmentCipher, sealed: Buffer, plan: OpenPlan, decrypted?: () => void): Promise<Buffer> {
    return attempt(() => {
      const plain = openChunk(cipher, sealed, plan, isShared(sealed));
      decrypted?.();
      return this.update(plain);
    });
  }

  async digest(): Promise<string> {
    return (await this.digests()).sha256;
  }

  digests(): Promise<Digests> {
    return Promise.resolve(digestsOf(this.hashes));
  }

  drop(): void {}

  private update(plain: Buffer): Buffer {
    for (const hash of this.hashes) hash.update(plain);
    this.hashedBytes += plain.length;
    return plain;
  }
}

class WorkerSession implements CipherSession {
  hashedBytes = 0;

  constructor(
    private readonly target: PooledWorker,
    /** Where the SHA-256 is kept when not on `target`. */
    private readonly hasher: PooledWorker | undefined,
    private readonly id: number,
    private readonly hashing: { hash: boolean; checksums: boolean },
    private readonly jobId: () => number,
  ) {
    target.sessions++;
    if (hasher) hasher.sessions++;
  }

  async seal(cipher: SegmentCipher, plain: Buffer, place: ChunkPlace): Promise<Sealed> {
    checkHashedBefore(cipher, place, this.hashing.hash, this.hashedBytes);
    this.hashedBytes += plain.length;
    const inPlace = canSealInPlace(plain, trailerSize(cipher));
    const job = { op: 'seal' as const, ...this.base(cipher, plain), place, inPlace };
    const result = await this.post(this.target, job);
    const sealed = sameMemory(this.output(result), plain);
    const back = 'input' in result && result.input ? result.input : plain;
    return { sealed, plain: sameMemory(Buffer.from(back.buffer, back.byteOffset, back.byteLength), plain) };
  }

  async open(cipher: SegmentCipher, sealed: Buffer, plan: OpenPlan, decrypted?: () => void): Promise<Buffer> {
    this.hashedBytes += plan.plainBytes;
    const job = {
      op: 'open' as const,
      ...this.base(cipher, sealed),
      plan,
      inPlace: isShared(sealed),
      hash: this.hashing.hash && !this.hasher,
    };
    const plain = sameMemory(this.output(await this.post(this.target, job)), sealed);
    decrypted?.();
    if (this.hashing.hash && this.hasher) {
      // Opens come back in file order, so their hashes are posted in file order too. The hasher
      // reads shared memory where it is; anything else is copied to it, never moved, since the
      // plaintext is still to be sent.
      this.check(
        await this.post(this.hasher, { op: 'hash', id: this.jobId(), session: this.id, input: plain }),
      );
    }
    return plain;
  }

  async digest(): Promise<string> {
    return (await this.digests()).sha256;
  }

  async digests(): Promise<Digests> {
    const result = await this.post(this.hashKeeper, { op: 'digest', id: this.jobId(), session: this.id });
    this.end();
    if (!('digest' in result)) throw new Error('The cipher worker did not return a digest');
    return { sha256: result.digest, ...result.checksums };
  }

  drop(): void {
    this.end();
    void this.post(this.hashKeeper, { op: 'drop', id: this.jobId(), session: this.id }).catch(
      () => undefined,
    );
  }

  private get hashKeeper(): PooledWorker {
    return this.hasher ?? this.target;
  }

  private end(): void {
    this.target.sessions--;
    if (this.hasher) this.hasher.sessions--;
  }

  private base(cipher: SegmentCipher, input: Buffer) {
    const { dataKey, versionId, binding } = cipher;
    const { hash, checksums } = this.hashing;
    return { id: this.jobId(), session: this.id, hash, checksums, dataKey, versionId, binding, input };
  }

  private post(to: PooledWorker, job: WorkerJob): Promise<WorkerResult> {
    return post(to, job);
  }

  private output(result: WorkerResult): Buffer {
    this.check(result);
    if ('output' in result)
      return Buffer.from(result.output.buffer, result.output.byteOffset, result.output.byteLength);
    throw new Error('The cipher worker returned no data');
  }

  private check(result: WorkerResult): void {
    if ('error' in result) throw fromThreadError(result.error);
  }
}

/** SHA-256, and with `checksums` SHA-1 and MD5 after it: the order digestsOf reads them in. */
export function newHashes(checksums: boolean): Hash[] {
  return checksums ? [createHash('sha256'), createHash('sha1'), createHash('md5')] : [createHash('sha256')];
}

export function digestsOf(hashes: Hash[]): Digests {
  const [sha256, sha1, md5] = hashes.map((h) => h.digest('hex'));
  return { sha256: sha256 ?? '', ...(sha1 && md5 ? { sha1, md5 } : {}) };
}

function post(to: PooledWorker, job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    to.pending.set(job.id, { resolve, reject });
    // A hash job's plaintext is still to be sent: it is copied, never moved.
    const moved = job.op === 'seal' || job.op === 'open' || job.op === 'openPacked';
    const buffers = moved ? [job.input, ...(job.op === 'openPacked' ? [job.keys] : [])] : [];
    to.worker.postMessage(job, buffers.flatMap(transferable));
  });
}

/**
 * A buffer that owns its whole memory is moved to the other thread, not copied. A small Buffer is a
 * slice of Node's shared pool: moving that would pull the pool out from under every other slice.
 */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owned && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

/**
 * Shared memory comes back from a thread as a new object over the same bytes. A view of what was
 * sent is returned instead, so that the buffer is the one its pool handed out and knows.
 */
function sameMemory(result: Buffer, sent: Buffer | undefined): Buffer {
  if (!sent || !isShared(sent) || !isShared(result) || result.buffer === sent.buffer) return result;
  if (result.buffer.byteLength !== sent.buffer.byteLength) return result;
  return Buffer.from(sent.buffer, result.byteOffset, result.byteLength);
}

function isShared(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
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
