import { randomUUID } from 'node:crypto';
import { nameKey, SEGMENT_SIZE, type ConflictPolicy } from '@idrive/shared';
import type { Insertable } from 'kysely';
import type { ChunkRow, FileVersionRow, FileVersionsTable, ItemRow, UserRow } from '../db/schema.js';
import type { ItemEvents } from '../events/item-events.js';
import type { MediaQueue } from './media-queue.js';
import { AppError, badRequest, conflict, nameConflict, notFound } from '../lib/app-error.js';
import { refineByContent, SNIFF_BYTES } from '../lib/mime.js';
import type { Repositories } from '../repositories/repositories.js';
import { BufferPool } from '../storage/buffer-pool.js';
import { ChunkBudget } from '../storage/chunk-budget.js';
import { containerOf, type ChunkStore } from '../storage/chunk-store.js';
import type { CipherPool, CipherSession, Digests } from '../storage/cipher-pool.js';
import { ChunkWriter, chunksInFlight } from '../storage/chunk-writer.js';
import { WriterShare } from '../storage/writer-share.js';
import { chunkBufferSize } from '../storage/chunk-format.js';
import {
  readPlaintext,
  storedChunkBytes,
  type CopySource,
  type StoredChunkRef,
} from '../storage/chunk-reader.js';
import { READABLE_FORMATS, type DriveKeys } from '../storage/drive-keys.js';
import { IntegrityError } from '../storage/errors.js';
import { PACK_RUN_BYTES, readPackedFiles } from '../storage/packed-reader.js';
import type { SegmentCipher } from '../storage/segment-cipher.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { lockTreesOf, newItemRow, type ItemService } from './item.service.js';
import type { QuotaService } from './quota.service.js';

/** Where an upload lands and what happens when the name is taken. */
export interface UploadTarget {
  parentId: string;
  name: string;
  conflict: ConflictPolicy;
  mimeType: string;
}

/**
 * What an upload is checked and recorded with: the SHA-256 the client expects, and with `checksums`
 * SHA-1 and MD5 too (computed on the cipher thread beside the SHA-256; WebDAV clients compare them),
 * which may also be given to check.
 */
export interface UploadChecks {
  declaredSize?: number;
  sha256?: string;
  checksums?: boolean;
  sha1?: string;
  md5?: string;
}

/** A stored version opened for reading: its row, its chunks and the cipher to open them. */
export interface OpenVersion {
  version: FileVersionRow;
  chunks: ChunkRow[];
  cipher: SegmentCipher;
}

export interface OpenFile extends OpenVersion {
  item: ItemRow;
}

/**
 * File content: streams uploads into encrypted chunks, commits them as files, and reads them back
 * (whole or by range). A file becomes visible only in the commit transaction, after every chunk is
 * stored and acknowledged.
 */
export class FileService {
  // Whole-chunk buffers for a few uploads in flight at once (each chunk is sealed in its own buffer);
  // more are allocated and dropped.
  private readonly uploadBuffers: BufferPool;
  /**
   * Every download's chunk buffers, bounded for the whole process. Apart from the uploads' pools, so
   * that neither can starve the other.
   */
  private readonly readBuffers: ChunkBudget;
  /** Per store, the chunks in flight that all uploads to it share. */
  private readonly writerShares = new WeakMap<ChunkStore, WriterShare>();
  /**
   * Where a read turns when the copy a chunk's record names fails; a copy found gone or damaged is
   * marked so, for the scrubber to replace.
   */
  private readonly copies: CopySource = {
    others: async (ref) =>
      (await this.repos.copies.of(ref))
        .filter((c) => c.status === 'ok' && c.copy_locator !== ref.locator)
        .map((c) => c.copy_locator),
    lost: (ref, locator, err) => {
      const status = err instanceof IntegrityError ? 'damaged' : 'missing';
      // A mark that cannot be written now is made by the scrubber when its turn comes.
      this.repos.copies.mark(ref, locator, status, Date.now()).catch(() => undefined);
    },
  };

  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly stores: StoreRegistry,
    private readonly keys: DriveKeys,
    private readonly chunkSize: number,
    private readonly pool: CipherPool,
    private readonly events: ItemEvents,
    private readonly media: MediaQueue,
    private readonly quota: QuotaService,
    /** The largest file accepted, in bytes. */
    readonly maxFileSize: number,
    /** Chunk memory all downloads together may hold; a download past it waits for a buffer. */
    downloadMemoryBytes = 256 * 1024 * 1024,
  ) {
    this.uploadBuffers = new BufferPool(chunkBufferSize(chunkSize), 8);
    this.readBuffers = ChunkBudget.ofBytes(chunkBufferSize(chunkSize), downloadMemoryBytes);
  }

  /** 413 for a file larger than the drive accepts (checked on the declared size and on the bytes read). */
  checkSize(size: number): void {
    if (size > this.maxFileSize) {
      throw new AppError(
        413,
        'payload_too_large',
        `This file is larger than the ${this.maxFileSize} bytes this drive accepts`,
        { maxFileSize: this.maxFileSize },
      );
    }
  }

  /**
   * Refuses an upload early (before any byte is read) when it could not be committed; returns the
   * folder it goes into, whose owner the file will be and its bytes are charged to.
   */
  async checkTarget(
    user: UserRow,
    target: Pick<UploadTarget, 'parentId' | 'name' | 'conflict'>,
  ): Promise<ItemRow> {
    const parent = await this.items.liveFolder(user, target.parentId);
    const existing = await this.repos.items.findLiveChild(parent.id, nameKey(target.name));
    if (
      existing &&
      (target.conflict === 'fail' || (target.conflict === 'replace' && existing.type === 'folder'))
    ) {
      throw nameConflict(target.name);
    }
    return parent;
  }

  /**
   * A new version in the 'uploading' state, with its own random data key wrapped by the master key:
   * `ownerId`'s, stored by `createdBy` (the owner, or an editor of a folder shared with them). With
   * `reserveBytes`, they are reserved against the owner's quota in the same transaction, so a write
   * that does not fit is refused (507) before anything is recorded or stored.
   */
  async startVersion(
    ownerId: string,
    r: Repositories = this.repos,
    options: { createdBy?: string | null; reserveBytes?: number } = {},
  ): Promise<{ versionId: string; cipher: SegmentCipher }> {
    const { row, cipher } = this.newVersion(ownerId, options.createdBy ?? null);
    const bytes = options.reserveBytes ?? 0;
    await r.transaction(
      async (tx) => {
        // On PostgreSQL the owner's row is locked before a row referring to a user is written: the
        // reference takes a share lock on that row, and two uploads each holding one while waiting
        // for the other's to lock it would deadlock.
        if (bytes > 0) await tx.users.lockTree(ownerId);
        await tx.versions.insert(row);
        if (bytes > 0) await this.quota.reserve(ownerId, row.id, bytes, bytes, tx);
      },
      // Lost to a power cut, the version is an upload nobody was told had begun.
      { durable: false },
    );
    return { versionId: row.id, cipher };
  }

  /**
   * Reserves more for a version whose bytes outgrew what it holds (a body without a length): at
   * least `need`, and a chunk's worth when that fits, so a long body asks once per chunk, not per
   * piece. Returns the bytes added.
   */
  reserveMore(ownerId: string, versionId: string, need: number): Promise<number> {
    return this.quota.reserve(ownerId, versionId, need, Math.max(need, this.chunkSize));
  }

  /** A version row (not yet inserted) and its cipher: every version has its own random data key. */
  newVersion(
    ownerId: string,
    createdBy: string | null = null,
  ): {
    row: Insertable<FileVersionsTable> & { id: string };
    cipher: SegmentCipher;
  } {
    const id = randomUUID();
    const { format, wrappedKey, cipher } = this.keys.create(id);
    const row = {
      id,
      owner_id: ownerId,
      created_by: createdBy,
      status: 'uploading' as const,
      size: 0,
      sha256: null,
      wrapped_key: wrappedKey.toString('base64'),
      format,
      chunk_size: this.chunkSize,
      segment_size: SEGMENT_SIZE,
      created_at: Date.now(),
    };
    return { row, cipher };
  }

  /** A session on the cipher threads for one file; with `hash`, it keeps the file's SHA-256. */
  cipherSession(hash: boolean): CipherSession {
    return this.pool.session(hash);
  }

  /** A writer that stores a version's chunks, recording each before it is sent and after it is acknowledged. */
  writer(
    versionId: string,
    cipher: SegmentCipher,
    session: CipherSession,
    options: { totalSize?: number; firstChunkIndex?: number; pending?: Buffer } = {},
  ): ChunkWriter {
    const store = this.stores.current();
    let share = this.writerShares.get(store);
    if (!share) this.writerShares.set(store, (share = new WriterShare(chunksInFlight(store))));
    return new ChunkWriter({
      store,
      cipher,
      session,
      share,
      buffers: this.uploadBuffers,
      chunkSize: this.chunkSize,
      ...options,
      beforePut: (chunk) =>
        this.repos.versions.insertPendingChunk({
          version_id: versionId,
          idx: chunk.index,
          store: store.name,
          chunk_key: chunk.key,
          plain_size: 0,
          sealed_size: 0,
        }),
      afterPut: (chunk) =>
        this.repos.versions.setChunkStored(versionId, chunk.index, store.name, {
          locator: chunk.locator,
          container: containerOf(store, chunk.locator),
          plain_size: chunk.plainSize,
          sealed_size: chunk.sealedSize,
        }),
    });
  }

  /** Streams a request body into a new file. Nothing is visible unless every byte was stored. */
  async upload(
    user: UserRow,
    target: UploadTarget,
    body: AsyncIterable<Buffer>,
    options: UploadChecks = {},
  ): Promise<ItemRow> {
    const parent = await this.checkTarget(user, target);
    return this.storeThen(parent.owner_id, user, body, options, async ({ versionId, size, sha256, head }) =>
      this.commit(
        user,
        { ...target, mimeType: await refineByContent(target.mimeType, head) },
        versionId,
        size,
        sha256,
      ),
    );
  }

  /**
   * Streams a body into a new version of `ownerId`'s stored by `user`, and hands it to `commit`. If
   * anything fails (the body, the SHA-256 the client gave, the quota, the commit), the version and
   * its stored chunks are dropped. The bytes are reserved against the owner's quota before they are
   * stored: a declared size at once (507 before any byte is read), a body without one as it grows.
   */
  private async storeThen(
    ownerId: string,
    user: UserRow,
    body: AsyncIterable<Buffer>,
    options: UploadChecks,
    commit: (stored: { versionId: string; size: number; sha256: string; head: Buffer }) => Promise<ItemRow>,
  ): Promise<ItemRow> {
    if (options.declaredSize !== undefined) this.checkSize(options.declaredSize);
    let reserved = options.declaredSize ?? 0;
    const { versionId, cipher } = await this.startVersion(ownerId, this.repos, {
      createdBy: user.id,
      reserveBytes: reserved,
    });
    const session = this.pool.session(true, { checksums: options.checksums });
    const writer = this.writer(versionId, cipher, session, { totalSize: options.declaredSize });
    try {
      let received = 0;
      const head: Buffer[] = [];
      for await (const piece of body) {
        // Copied: the writer may hand the piece's memory on before the type is sniffed.
        if (received < SNIFF_BYTES) head.push(Buffer.from(piece.subarray(0, SNIFF_BYTES - received)));
        // A body without a length (chunked) is stopped as soon as it passes the limit.
        received += piece.length;
        this.checkSize(received);
        if (received > reserved) reserved += await this.reserveMore(ownerId, versionId, received - reserved);
        await writer.write(piece);
      }
      const { size } = await writer.finish();
      const digests = await session.digests();
      checkDigests(options, digests);
      const { sha256, sha1, md5 } = digests;
      if (sha1 && md5) await this.repos.versions.setChecksums(versionId, sha1, md5);
      return await commit({ versionId, size, sha256, head: Buffer.concat(head) });
    } catch (err) {
      await writer.abort();
      session.drop();
      await this.discardVersion(versionId);
      throw err;
    }
  }

  /**
   * Makes a fully stored version visible as a file, in one transaction: the conflict policy is
   * applied now (the name may have been taken while the bytes were arriving).
   */
  async commit(
    user: UserRow,
    target: UploadTarget,
    versionId: string,
    size: number,
    sha256: string,
    repos: Repositories = this.repos,
  ): Promise<ItemRow> {
    return repos.transaction((r) => this.commitIn(r, user, target, versionId, size, sha256));
  }

  /**
   * commit() inside the caller's transaction. A name conflict is thrown before anything is written,
   * so a caller committing many files may catch it and go on with the others. The file is the
   * folder's owner's, whoever uploaded it.
   */
  async commitIn(
    r: Repositories,
    user: UserRow,
    target: UploadTarget,
    versionId: string,
    size: number,
    sha256: string,
  ): Promise<ItemRow> {
    await lockTreesOf(r, [target.parentId]);
    const parent = await this.items.liveFolder(user, target.parentId, r);
    const existing = await r.items.findLiveChild(parent.id, nameKey(target.name));
    const now = Date.now();
    if (existing && target.conflict === 'replace' && existing.type === 'file') {
      return this.replaceIn(r, user, existing, { versionId, size, sha256, mimeType: target.mimeType });
    }
    if (existing && target.conflict !== 'rename') throw nameConflict(target.name);
    // Before anything is written, like the conflict: a caller committing many may go on past it.
    await this.quota.charge(r, parent.owner_id, size, versionId);
    await r.versions.markCommitted(versionId, size, sha256);
    await this.media.queue(r, versionId, target.mimeType);
    const name = existing ? await this.items.freeName(r, parent.id, target.name) : target.name;
    const row = newItemRow({
      owner_id: parent.owner_id,
      parent_id: parent.id,
      type: 'file',
      name,
      now,
      size,
      mime_type: target.mimeType,
      version_id: versionId,
    });
    await r.items.insert(row);
    await r.items.addSizeToChain(parent.id, size);
    const created = (await r.items.findById(row.id))!;
    await this.events.created(r, created, user.id);
    return created;
  }

  /**
   * Puts a stored version in place of a file's current one, in the caller's transaction; the item
   * keeps its id, name and place, and the version it held goes to its history. That one still
   * counts against the owner's quota, so the whole new version is charged (507 before any write).
   */
  async replaceIn(
    r: Repositories,
    user: UserRow,
    existing: ItemRow,
    version: { versionId: string; size: number; sha256: string; mimeType: string },
  ): Promise<ItemRow> {
    const { versionId, size, sha256, mimeType } = version;
    const now = Date.now();
    await this.quota.charge(r, existing.owner_id, size, versionId);
    await r.versions.markCommitted(versionId, size, sha256);
    await this.media.queue(r, versionId, mimeType);
    await r.items.update(existing.id, { version_id: versionId, size, mime_type: mimeType, updated_at: now });
    await r.items.addSizeToChain(existing.parent_id!, size - existing.size);
    if (existing.version_id) await r.history.add(existing.id, existing.version_id, now);
    const replaced = (await r.items.findById(existing.id))!;
    await this.events.updated(r, replaced, 'content', user.id);
    return replaced;
  }

  /**
   * New bytes for an existing file (the editor's save): it keeps its id, name, place and type. With
   * `accepts`, only a file whose current version passes (the one the client read, by its ETag) is
   * replaced, checked before the upload and again in the commit transaction, so an edit made
   * meanwhile elsewhere is refused (412) rather than silently overwritten.
   */
  async replaceContent(
    user: UserRow,
    fileId: string,
    body: AsyncIterable<Buffer>,
    options: UploadChecks & { accepts?: (version: FileVersionRow) => boolean } = {},
  ): Promise<ItemRow> {
    const replaceable = async (r: Repositories): Promise<ItemRow> => {
      const file = await this.items.writable(user, fileId, r);
      if (file.type !== 'file' || !file.version_id) throw badRequest('This item is a folder, not a file');
      if (file.trashed_at !== null) throw conflict('The file is in the trash; restore it first');
      const current = await r.versions.findById(file.version_id);
      if (options.accepts && (!current || !options.accepts(current))) {
        throw new AppError(412, 'precondition_failed', 'The file was changed since you opened it');
      }
      return file;
    };
    const file = await replaceable(this.repos);
    return this.storeThen(file.owner_id, user, body, options, (stored) =>
      this.repos.transaction(async (r) => {
        await r.users.lockTree(file.owner_id);
        const current = await replaceable(r);
        const mimeType = current.mime_type ?? 'application/octet-stream';
        return this.replaceIn(r, user, current, { ...stored, mimeType });
      }),
    );
  }

  /** Drops an uncommitted version; its stored chunks are queued for deletion. */
  async discardVersion(versionId: string): Promise<void> {
    await this.repos.transaction((r) => r.versions.deleteVersions([versionId], Date.now()));
  }

  async open(user: UserRow, id: string): Promise<OpenFile> {
    const item = await this.items.get(user, id);
    if (item.type !== 'file' || !item.version_id) throw badRequest('This item is a folder, not a file');
    return { item, ...(await this.openVersion(item.version_id)) };
  }

  /** SHA-256 of a file's content, from the version row (no key is unwrapped). */
  async sha256Of(item: ItemRow): Promise<string | null> {
    if (!item.version_id) return null;
    return (await this.repos.versions.findById(item.version_id))?.sha256 ?? null;
  }

  async openVersion(versionId: string): Promise<OpenVersion> {
    const version = await this.repos.versions.findById(versionId);
    if (!version) throw notFound('File version');
    return this.opened(version, await this.repos.versions.chunks(version.id));
  }

  /**
   * Many versions opened with two queries in all. One that is missing or cannot be opened is left
   * out of the map, so that it fails on its own turn (openVersion says why), not the others with it.
   */
  async openVersions(versionIds: readonly string[]): Promise<Map<string, OpenVersion>> {
    const versions = await this.repos.versions.findMany(versionIds);
    const chunks = await this.repos.versions.chunksOfMany(versions.map((v) => v.id));
    const opened = new Map<string, OpenVersion>();
    for (const v of versions) {
      try {
        opened.set(v.id, this.opened(v, chunks.get(v.id) ?? []));
      } catch {
        // Reported by openVersion when the entry's turn comes.
      }
    }
    return opened;
  }

  private opened(version: FileVersionRow, chunks: ChunkRow[]): OpenVersion {
    if (version.segment_size !== SEGMENT_SIZE) {
      throw conflict(
        `This file was stored with ${version.segment_size}-byte segments, which this server cannot read`,
      );
    }
    if (!READABLE_FORMATS.includes(version.format)) {
      throw conflict(`This file was stored in format ${version.format}, which this server cannot read`);
    }
    // A restored version shares the chunks (and so the key) of the one it was restored from.
    return { version, chunks, cipher: this.keys.open({ ...version, id: version.sealed_as ?? version.id }) };
  }

  /**
   * Plaintext bytes [start, end) of an open file. A whole-file read also checks the SHA-256 recorded
   * at upload and fails (instead of ending cleanly) when it differs.
   */
  async *read(file: OpenVersion, start: number, end: number): AsyncGenerator<Buffer> {
    const verify = start === 0 && end === file.version.size && file.version.sha256 !== null;
    const session = this.pool.session(verify, { hashApart: true });
    let digested = false;
    try {
      yield* this.readWith(file, start, end, session);
      if (verify) {
        digested = true;
        if ((await session.digest()) !== file.version.sha256) throw shaMismatch();
      }
    } finally {
      if (!digested) session.drop();
    }
  }

  /**
   * The whole plaintext of many small files at once (a zip's next entries). Those whose one chunk
   * sits in a pack are read a run of neighbours per get and opened in one cipher job per run; each
   * is still authenticated and checked against its recorded SHA-256 before it is handed out, as
   * read() does. The rest are left undefined, for read(). The Buffers are plain memory: release()
   * takes them back as a no-op.
   */
  readWholeMany(files: readonly OpenVersion[]): (Promise<Buffer> | undefined)[] {
    const packable = files.flatMap((file, i) => {
      const [chunk] = file.chunks;
      const { size, chunk_size: chunkSize } = file.version;
      const one = file.chunks.length === 1 && size <= chunkSize && chunk!.idx === 0;
      if (!one || chunk!.locator === null || chunk!.plain_size !== size) return [];
      const ref = chunkRef(chunk!);
      if (storedChunkBytes(ref, file.cipher) > PACK_RUN_BYTES) return [];
      return [{ i, file, chunk: ref }];
    });
    const read = readPackedFiles(
      (name) => this.stores.get(name),
      this.pool,
      packable.map(({ file, chunk }) => ({
        chunk,
        cipher: file.cipher,
        chunkSize: file.version.chunk_size,
        sha256: file.version.sha256,
      })),
    );
    const results: (Promise<Buffer> | undefined)[] = files.map(() => undefined);
    packable.forEach(({ i, file }, k) => {
      results[i] = read[k]!.then(({ plain, sha256 }) => {
        if (file.version.sha256 !== null && sha256 !== file.version.sha256) throw shaMismatch();
        return plain;
      }).catch(() => this.readWhole(file));
    });
    return results;
  }

  /**
   * A file's whole plaintext in plain memory, checked as read() checks it: where a pack's run could
   * not be read or opened, from the other copies of its chunk.
   */
  private async readWhole(file: OpenVersion): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const piece of this.read(file, 0, file.version.size)) {
      parts.push(Buffer.from(piece));
      this.release(piece);
    }
    return Buffer.concat(parts);
  }

  /**
   * A session that has hashed the first `bytes` stored of a version of `size` bytes, read back from
   * its chunks: an upload continued after a restart, or on another instance, seals the rest in it.
   */
  async hashedSession(versionId: string, bytes: number, size: number): Promise<CipherSession> {
    const session = this.pool.session(true);
    if (bytes === 0) return session;
    try {
      // The session hashes what it opens; the bytes themselves are not needed.
      await this.readStored(versionId, bytes, bytes, session, () => undefined, bytes < size);
    } catch (err) {
      session.drop();
      throw err;
    }
    return session;
  }

  /** The first plaintext bytes of a stored version that may not be committed yet (for sniffing its type). */
  async readHead(versionId: string, size: number, bytes = SNIFF_BYTES): Promise<Buffer> {
    const session = this.pool.session(false);
    const parts: Buffer[] = [];
    try {
      await this.readStored(versionId, size, Math.min(size, bytes), session, (piece) =>
        parts.push(Buffer.from(piece)),
      );
    } finally {
      session.drop();
    }
    return Buffer.concat(parts);
  }

  /**
   * Plaintext [0, end) of a version whose row may not know its size yet (an upload before commit;
   * `unfinished` while its last chunks are still to come), each piece shown to `each` and then given back.
   */
  private async readStored(
    versionId: string,
    size: number,
    end: number,
    session: CipherSession,
    each: (piece: Buffer) => void,
    unfinished = false,
  ): Promise<void> {
    const file = await this.openVersion(versionId);
    const stored = { ...file, version: { ...file.version, size } };
    for await (const piece of this.readWith(stored, 0, end, session, unfinished)) {
      each(piece);
      this.release(piece);
    }
  }

  /**
   * Takes back a Buffer that read() yielded, once the caller is done with it. Every piece must come
   * back, before the next is asked for: the buffers are shared by all downloads and there are few.
   */
  release(piece: Buffer): void {
    this.readBuffers.release(piece);
  }

  private readWith(
    file: OpenVersion,
    start: number,
    end: number,
    session: CipherSession,
    unfinished = false,
  ): AsyncGenerator<Buffer> {
    return readPlaintext({
      stores: (name) => this.stores.get(name),
      copies: this.copies,
      cipher: file.cipher,
      session,
      buffers: this.readBuffers,
      chunkSize: file.version.chunk_size,
      size: file.version.size,
      chunks: file.chunks.map(chunkRef),
      sha256: file.version.sha256,
      unfinished,
      start,
      end,
      // Two chunks in flight keep the disk, the cipher thread and the socket busy at once.
      readAhead: 2,
    });
  }

  async storageInfo(version: FileVersionRow) {
    return {
      stores: await this.repos.versions.storeUsage(version.id),
      segmentSize: version.segment_size,
      chunkSize: version.chunk_size,
    };
  }
}

/** How a reader finds a chunk, from its record. */
export function chunkRef(c: ChunkRow): StoredChunkRef {
  if (c.locator === null) throw new IntegrityError(`Chunk ${c.idx} of this file was never stored`);
  return {
    index: c.idx,
    store: c.store,
    locator: c.locator,
    plainSize: c.plain_size,
    offset: c.pack_offset ?? 0,
    packed: c.pack_id !== null,
  };
}

/** 400 when the bytes received are not the ones the client said it sent. */
function checkDigests(expected: UploadChecks, received: Digests): void {
  for (const algorithm of ['sha256', 'sha1', 'md5'] as const) {
    const want = expected[algorithm]?.toLowerCase();
    if (want && want !== received[algorithm]) {
      throw new AppError(400, 'integrity_failed', `The uploaded bytes do not match the ${algorithm} given`, {
        expected: want,
        received: received[algorithm],
      });
    }
  }
}

function shaMismatch(): IntegrityError {
  return new IntegrityError('The file does not match the SHA-256 recorded when it was uploaded');
}
