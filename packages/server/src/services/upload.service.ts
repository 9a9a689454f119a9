import { randomUUID } from 'node:crypto';
import type { UploadRow, UserRow } from '../db/schema.js';
import type { UploadProgress } from '../events/upload-progress.js';
import { AppError, badRequest, notFound } from '../lib/app-error.js';
import type { KeyedLock } from '../lib/keyed-lock.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import { OCTET_STREAM, refineByContent } from '../lib/mime.js';
import type { Repositories } from '../repositories/repositories.js';
import type { CipherSession } from '../storage/cipher-pool.js';
import type { UploadStaging } from '../storage/upload-staging.js';
import type { FileService, UploadTarget } from './file.service.js';
import type { QuotaService } from './quota.service.js';

const HOUR_MS = 3_600_000;

/** Another request holds the upload (on this instance or another); tus clients retry a 423. */
export const uploadBusy = () =>
  new AppError(
    423,
    'upload_busy',
    'Another request is writing to this upload; ask for its offset again in a moment',
    undefined,
    { 'retry-after': '1' },
  );

export interface PatchResult {
  offset: number;
  /** The committed file, when this PATCH completed the upload. */
  fileId: string | null;
}

/** What a PATCH declares besides its offset. */
export interface PatchDeclared {
  /** Upload-Length, which the PATCH of an upload created with Upload-Defer-Length may give. */
  uploadLength?: number;
  /** Content-Length: what the body will bring. */
  bodyLength?: number;
}

/** The upload's length, unless the client has not given it yet (Upload-Defer-Length). */
export function lengthOf(upload: UploadRow): number | undefined {
  return upload.length_deferred ? undefined : upload.size;
}

/**
 * Resumable uploads (the tus protocol's state machine). Whole chunks go to the store as they fill;
 * the tail that does not fill a chunk yet is staged encrypted (on local disk, or in the database when
 * instances share the work), so the offset a client is told survives a dropped connection and a
 * server restart. One request at a time works on an upload: `locks` is shared by the instances.
 *
 * An upload's bytes are reserved against the quota of the folder's owner before they are stored: its
 * whole length at creation (507 then, with nothing made), or, for one whose length comes later, as
 * each PATCH declares what it brings (the PATCH that would pass the quota is refused before its body
 * is read, and what was stored before stays, so the client may free space and go on).
 */
export class UploadService {
  /**
   * Cipher sessions (each keeping a running SHA-256 of the chunks sealed so far) of uploads this
   * process has seen from their first byte; lost on restart.
   */
  private readonly sessions = new Map<string, CipherSession>();

  constructor(
    private readonly repos: Repositories,
    private readonly files: FileService,
    private readonly quota: QuotaService,
    private readonly staging: UploadStaging,
    private readonly stagingKey: Buffer,
    private readonly expiryHours: number,
    private readonly progress: UploadProgress,
    private readonly locks: KeyedLock = new KeyedMutex(),
  ) {}

  /**
   * Opens an upload of `size` bytes, or of a length given later (undefined). An empty file has
   * nothing to send, so it is committed at once.
   */
  async create(
    user: UserRow,
    target: UploadTarget,
    size: number | undefined,
  ): Promise<{ upload: UploadRow; fileId: string | null }> {
    const parent = await this.files.checkTarget(user, target);
    const upload = await this.repos.transaction(async (r) => {
      // The file will be the folder's owner's, and its bytes charged to them; the upload itself is the uploader's.
      const { versionId } = await this.files.startVersion(parent.owner_id, r, {
        createdBy: user.id,
        reserveBytes: size ?? 0,
      });
      const now = Date.now();
      const upload: UploadRow = {
        id: randomUUID(),
        owner_id: user.id,
        parent_id: target.parentId,
        name: target.name,
        conflict: target.conflict,
        mime_type: target.mimeType,
        size: size ?? 0,
        length_deferred: size === undefined ? 1 : 0,
        version_id: versionId,
        created_at: now,
        expires_at: now + this.expiryHours * HOUR_MS,
      };
      await r.uploads.insert(upload);
      this.sessions.set(upload.id, this.files.cipherSession(true));
      return upload;
    });
    const fileId = size === 0 ? (await this.patch(user, upload.id, 0, [], {})).fileId : null;
    return { upload, fileId };
  }

  async get(user: UserRow, id: string): Promise<UploadRow> {
    const upload = await this.repos.uploads.findOwned(user.id, id);
    if (!upload) throw notFound('Upload');
    return upload;
  }

  /** The offset the client should continue from. */
  async offset(user: UserRow, id: string): Promise<{ upload: UploadRow; offset: number }> {
    return this.locks.run(id, async () => {
      const upload = await this.get(user, id);
      const state = await this.state(upload);
      return { upload, offset: state.base + state.pending.length };
    });
  }

  /** Appends the body at `offset`; completes and commits the file when the last byte arrives. */
  async patch(
    user: UserRow,
    id: string,
    offset: number,
    body: AsyncIterable<Buffer> | Iterable<Buffer>,
    declared: PatchDeclared,
  ): Promise<PatchResult> {
    return this.locks.run(id, async (held) => {
      let upload = await this.get(user, id);
      const { base, firstChunkIndex, pending } = await this.state(upload);
      const current = base + pending.length;
      if (offset !== current) {
        throw new AppError(
          409,
          'offset_mismatch',
          `Upload-Offset is ${offset} but the upload is at ${current}`,
          {
            offset: current,
          },
        );
      }
      upload = await this.declare(upload, current, declared);
      // The session's hash is good only if it covers exactly the stored chunks: after a restart, or
      // after a chunk that was sealed but never stored, the file is hashed by reading it back instead.
      let session = this.sessions.get(id);
      if (session && session.hashedBytes !== base) {
        session.drop();
        session = undefined;
        this.sessions.delete(id);
      }
      const sealing = session ?? this.files.cipherSession(false);
      try {
        return await this.append(
          user,
          upload,
          { base, firstChunkIndex, pending },
          sealing,
          session !== undefined,
          body,
          held,
        );
      } finally {
        if (!session) sealing.drop();
      }
    });
  }

  /**
   * Takes what a PATCH declares before its body is read: the length of an upload that had none (its
   * whole length is reserved then), and for one still without, room for what the body brings. A
   * PATCH that would pass the quota is refused here (507), with nothing read or changed.
   */
  private async declare(upload: UploadRow, current: number, declared: PatchDeclared): Promise<UploadRow> {
    const { uploadLength, bodyLength } = declared;
    const length = lengthOf(upload);
    if (length !== undefined) {
      if (uploadLength !== undefined && uploadLength !== length) {
        throw badRequest(`Upload-Length was given as ${length} bytes and cannot change`);
      }
      return upload;
    }
    const ownerId = await this.chargedTo(upload);
    const held = await this.repos.quotas.heldBy(upload.version_id);
    if (uploadLength === undefined) {
      const need = current + (bodyLength ?? 0) - held;
      if (need > 0) await this.files.reserveMore(ownerId, upload.version_id, need);
      return upload;
    }
    this.files.checkSize(uploadLength);
    if (uploadLength < current) {
      throw badRequest(`Upload-Length ${uploadLength} is less than the ${current} bytes already received`);
    }
    return this.repos.transaction(async (r) => {
      if (uploadLength > held) {
        await this.quota.reserve(ownerId, upload.version_id, uploadLength - held, uploadLength - held, r);
      }
      await r.uploads.setLength(upload.id, uploadLength);
      return { ...upload, size: uploadLength, length_deferred: 0 };
    });
  }

  /** Whose quota an upload counts against: the owner of the folder it goes into. */
  private async chargedTo(upload: UploadRow): Promise<string> {
    return (await this.repos.items.findById(upload.parent_id))?.owner_id ?? upload.owner_id;
  }

  /** Feeds the body through a chunk writer; commits when complete, otherwise stages the tail. */
  private async append(
    user: UserRow,
    upload: UploadRow,
    state: { base: number; firstChunkIndex: number; pending: Buffer },
    session: CipherSession,
    hashing: boolean,
    body: AsyncIterable<Buffer> | Iterable<Buffer>,
    held: AbortSignal,
  ): Promise<PatchResult> {
    // Past a lost hold another request may be writing: this one stores nothing more.
    const stillHeld = () => {
      if (held.aborted) throw uploadBusy();
    };
    const { id } = upload;
    const { base, firstChunkIndex, pending } = state;
    const current = base + pending.length;
    const length = lengthOf(upload);
    const version = await this.files.openVersion(upload.version_id);
    // Without the running SHA-256 (`hashing`), what is stored is read back and hashed once the last
    // bytes are in, and the rest is sealed in that session.
    let rehashed: CipherSession | undefined;
    const rehash = async (bytes: number) =>
      (rehashed = await this.files.hashedSession(upload.version_id, bytes, upload.size));
    const writer = this.files.writer(upload.version_id, version.cipher, session, {
      totalSize: length,
      firstChunkIndex,
      pending,
      ...(hashing ? {} : { rehash }),
    });

    // An upload with its length reserved it whole; one without grows its reservation with its body.
    let reserved = length === undefined ? await this.repos.quotas.heldBy(upload.version_id) : Infinity;
    const ownerId = length === undefined ? await this.chargedTo(upload) : undefined;
    let received = 0;
    let dropped: unknown = null;
    try {
      for await (const piece of body) {
        const reaching = current + received + piece.length;
        if (length !== undefined && reaching > length) {
          throw new AppError(400, 'bad_request', `The body goes past the upload's length (${length} bytes)`);
        }
        if (length === undefined) this.files.checkSize(reaching);
        if (reaching > reserved) {
          reserved += await this.files.reserveMore(ownerId!, upload.version_id, reaching - reserved);
        }
        stillHeld();
        received += piece.length;
        await writer.write(piece);
        this.progress.report(upload, current + received);
      }
    } catch (err) {
      if (err instanceof AppError) {
        await writer.abort();
        throw err;
      }
      // The client went away mid-body: keep what arrived, so it can resume from there.
      dropped = err;
    }

    if (!dropped && current + received === length) {
      let size: number;
      try {
        ({ size } = await writer.finish());
        stillHeld();
      } catch (err) {
        rehashed?.drop();
        throw err;
      }
      this.sessions.delete(id);
      this.progress.end(id);
      const sha256 = await (rehashed ?? session).digest();
      const target = await this.typed(targetOf(upload), upload.version_id, size);
      const item = await this.repos.transaction(async (r) => {
        const committed = await this.files.commit(user, target, upload.version_id, size, sha256, r);
        await r.uploads.delete(upload.id);
        return committed;
      });
      await this.staging.remove(id);
      return { offset: size, fileId: item.id };
    }

    const tail = await writer.pause();
    stillHeld();
    const chunks = await this.repos.versions.chunks(upload.version_id);
    const newBase = storedPrefix(chunks).bytes;
    if (newBase === base) {
      await this.staging.append(id, this.stagingKey, current, tail.subarray(pending.length));
    } else {
      await this.staging.replace(id, this.stagingKey, newBase, tail);
    }
    return { offset: newBase + tail.length, fileId: null };
  }

  /** Cancels an upload: its version and chunks are discarded. */
  async terminate(user: UserRow, id: string): Promise<void> {
    await this.locks.run(id, async () => {
      const upload = await this.get(user, id);
      await this.discard(upload);
    });
  }

  /** Discards uploads whose time ran out; returns how many. One a request is writing to waits for the next run. */
  async expire(now: number): Promise<number> {
    const expired = await this.repos.uploads.expiredBefore(now, 500);
    let discarded = 0;
    for (const upload of expired) {
      try {
        await this.locks.run(upload.id, () => this.discard(upload));
        discarded++;
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'upload_busy')) throw err;
      }
    }
    return discarded;
  }

  private async discard(upload: UploadRow): Promise<void> {
    await this.repos.transaction(async (r) => {
      await r.uploads.delete(upload.id);
      await r.versions.deleteVersions([upload.version_id], Date.now());
    });
    this.sessions.get(upload.id)?.drop();
    this.sessions.delete(upload.id);
    this.progress.end(upload.id);
    await this.staging.remove(upload.id);
  }

  /**
   * Where the upload stands: the stored chunks (a prefix of acknowledged ones; anything after the
   * first unacknowledged chunk was in flight when a connection or the server died, and is dropped)
   * and the staged tail after them.
   */
  private async state(
    upload: UploadRow,
  ): Promise<{ base: number; firstChunkIndex: number; pending: Buffer }> {
    const chunks = await this.repos.versions.chunks(upload.version_id);
    const prefix = storedPrefix(chunks);
    if (prefix.count < chunks.length) {
      await this.repos.transaction((r) =>
        r.versions.discardChunksFrom(upload.version_id, prefix.count, Date.now()),
      );
    }
    const pending = await this.staging.load(upload.id, this.stagingKey, prefix.bytes);
    return { base: prefix.bytes, firstChunkIndex: prefix.count, pending };
  }

  /** A type neither the name nor the client gave specifically is read from the file's first bytes. */
  private async typed(target: UploadTarget, versionId: string, size: number): Promise<UploadTarget> {
    if (target.mimeType !== OCTET_STREAM) return target;
    const head = await this.files.readHead(versionId, size);
    return { ...target, mimeType: await refineByContent(target.mimeType, head) };
  }
}

function storedPrefix(chunks: { idx: number; locator: string | null; plain_size: number }[]) {
  let count = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    if (chunk.idx !== count || chunk.locator === null) break;
    count++;
    bytes += chunk.plain_size;
  }
  return { count, bytes };
}

function targetOf(upload: UploadRow): UploadTarget {
  return {
    parentId: upload.parent_id,
    name: upload.name,
    conflict: upload.conflict,
    mimeType: upload.mime_type ?? OCTET_STREAM,
  };
}
