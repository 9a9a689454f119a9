import { randomUUID } from 'node:crypto';
import type { VersionRetention, VersionRetentionBody } from '@idrive/shared';
import type { FileVersionRow, ItemRow, UserRow } from '../db/schema.js';
import type { ItemEvents } from '../events/item-events.js';
import { badRequest, conflict, notFound } from '../lib/app-error.js';
import type { ListedVersion, RetentionLimits } from '../repositories/history.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import type { FileService, OpenFile } from './file.service.js';
import type { Need } from './access.service.js';
import { lockTreesOf, type ItemService } from './item.service.js';

/** Earlier versions dropped per pass of the retention sweep. */
const PRUNE_BATCH = 500;

/**
 * A file's version history. Saving or replacing a file keeps the version it held (see
 * `FileService.replaceIn`); here they are listed, read, restored and deleted, and the maintenance
 * job lets go of those past the retention limits. A version no longer referred to by any file (as
 * its content or in its history) is deleted, its chunks queued as garbage; chunks another version
 * still uses (a restore shares them) stay, because the collector deletes no container in use.
 */
export class VersionService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly events: ItemEvents,
    /** The drive's limits: the default, and the most a user may keep. */
    private readonly drive: RetentionLimits,
  ) {}

  /** The file's versions: the current one first, then the earlier ones, most recently replaced first. */
  async list(user: UserRow, fileId: string): Promise<ListedVersion[]> {
    const file = await this.file(user, fileId);
    return this.repos.history.list(file.id, file.version_id!);
  }

  /**
   * One version opened for reading as the file's content is, the item as of that version (its
   * modification time is when the version was stored).
   */
  async open(user: UserRow, fileId: string, versionId: string): Promise<OpenFile> {
    const file = await this.file(user, fileId);
    if (versionId !== file.version_id) await this.earlier(this.repos, file, versionId);
    const opened = await this.files.openVersion(versionId);
    return { item: { ...file, updated_at: opened.version.created_at }, ...opened };
  }

  /**
   * Makes an earlier version the current one again, as a new version with the same bytes: it shares
   * the earlier one's key and stored chunks, so nothing is uploaded or stored again, and the earlier
   * version stays in the history. The file is then updated as a save updates it, and charged as one
   * (507 when the new version does not fit: usage counts every kept version, shared chunks or not).
   */
  async restore(user: UserRow, fileId: string, versionId: string): Promise<ItemRow> {
    return this.repos.transaction(async (r) => {
      await lockTreesOf(r, [fileId]);
      const file = await this.file(user, fileId, r, 'write');
      if (file.trashed_at !== null) throw conflict('The file is in the trash; restore it first');
      const source = await this.earlier(r, file, versionId);
      const restored = await this.shareContent(r, user, file, source);
      return this.files.replaceIn(r, user, file, {
        versionId: restored,
        size: source.size,
        sha256: source.sha256!,
        mimeType: file.mime_type ?? 'application/octet-stream',
      });
    });
  }

  /** Deletes an earlier version (never the current one): the history is its owner's to thin out. */
  async remove(user: UserRow, fileId: string, versionId: string): Promise<void> {
    await this.repos.transaction(async (r) => {
      await r.users.lockTree(user.id);
      const file = await this.file(user, fileId, r, 'own');
      await this.earlier(r, file, versionId);
      await this.drop(r, file, [versionId], user.id);
    });
  }

  /** Lets go of every earlier version past its owner's limits; returns how many. */
  async prune(now: number): Promise<number> {
    let pruned = 0;
    for (;;) {
      const beyond = await this.repos.history.beyondRetention(now, this.drive, PRUNE_BATCH);
      if (beyond.length === 0) return pruned;
      // Each owner's in a transaction of its own, under their tree lock as a restore takes it.
      const byOwner = new Map<string, Map<string, string[]>>();
      for (const row of beyond) {
        const ofOwner = byOwner.get(row.owner_id) ?? new Map<string, string[]>();
        byOwner.set(
          row.owner_id,
          ofOwner.set(row.item_id, [...(ofOwner.get(row.item_id) ?? []), row.version_id]),
        );
      }
      for (const [ownerId, byItem] of byOwner) {
        await this.repos.transaction(async (r) => {
          await r.users.lockTree(ownerId);
          for (const [itemId, versionIds] of byItem)
            await this.drop(r, (await r.items.findById(itemId))!, versionIds, null);
        });
      }
      pruned += beyond.length;
    }
  }

  /** The user's retention limits, and the drive's. */
  retention(user: UserRow): VersionRetention {
    return { days: user.version_keep_days, count: user.version_keep_count, drive: { ...this.drive } };
  }

  /** Sets the user's own limits (null follows the drive's); they may not exceed the drive's. */
  async setRetention(user: UserRow, body: VersionRetentionBody): Promise<VersionRetention> {
    if (body.days !== null && body.days > this.drive.days) {
      throw badRequest(`This drive keeps earlier versions for at most ${this.drive.days} days`);
    }
    if (body.count !== null && body.count > this.drive.count) {
      throw badRequest(`This drive keeps at most ${this.drive.count} versions of a file`);
    }
    await this.repos.users.update(user.id, {
      version_keep_days: body.days,
      version_keep_count: body.count,
    });
    return this.retention({ ...user, version_keep_days: body.days, version_keep_count: body.count });
  }

  /** A file (live or trashed) the user may read, or do what `need` says with; a folder has no versions. */
  private async file(
    user: UserRow,
    fileId: string,
    r: Repositories = this.repos,
    need: Need = 'read',
  ): Promise<ItemRow> {
    const file = await this.items.require(user, fileId, need, r);
    if (file.type !== 'file' || !file.version_id) throw badRequest('This item is a folder, not a file');
    return file;
  }

  /** One of the file's earlier versions: 409 for the current one, 404 for any other. */
  private async earlier(r: Repositories, file: ItemRow, versionId: string): Promise<FileVersionRow> {
    if (versionId === file.version_id) throw conflict('This is the current version of the file');
    const version = (await r.history.has(file.id, versionId)) && (await r.versions.findById(versionId));
    if (!version) throw notFound('Version');
    return version;
  }

  /**
   * A new committed version holding the same bytes as `source`: its chunk records repeat the
   * source's (the same stored objects), and it opens under the key and id they were sealed with.
   */
  private async shareContent(
    r: Repositories,
    user: UserRow,
    file: ItemRow,
    source: FileVersionRow,
  ): Promise<string> {
    const id = randomUUID();
    await r.versions.insert({
      ...source,
      id,
      owner_id: file.owner_id,
      created_by: user.id,
      created_at: Date.now(),
      sealed_as: source.sealed_as ?? source.id,
    });
    const chunks = await r.versions.chunks(source.id);
    await r.versions.insertChunks(chunks.map((chunk) => ({ ...chunk, version_id: id })));
    return id;
  }

  /**
   * Takes versions out of a file's history, deleting those nothing else refers to; their bytes no
   * longer count against the owner's quota.
   */
  private async drop(r: Repositories, file: ItemRow, versionIds: string[], by: string | null): Promise<void> {
    const bytes = await r.history.bytesOf([file.id], versionIds);
    await r.history.remove(file.id, versionIds);
    await r.users.addUsedBytes(file.owner_id, -bytes);
    await r.versions.deleteVersions(await r.items.unreferencedVersions(versionIds), Date.now());
    await this.events.versionsChanged(r, file, by);
  }
}
