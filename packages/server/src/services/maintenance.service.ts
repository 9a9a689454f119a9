import type { FastifyBaseLogger } from 'fastify';
import type { Repositories } from '../repositories/repositories.js';
import { containerOf, type ChunkStore } from '../storage/chunk-store.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import type { FileService } from './file.service.js';
import type { ItemService } from './item.service.js';
import type { PackService } from './pack.service.js';
import type { RecentService } from './recent.service.js';
import type { UploadService } from './upload.service.js';
import type { VersionService } from './version.service.js';

const HOUR_MS = 3_600_000;

export interface MaintenanceReport {
  trashPurged: number;
  uploadsExpired: number;
  versionsDiscarded: number;
  /** Earlier versions of files past their owner's retention limits. */
  versionsPruned: number;
  /** Mostly-empty packs rewritten (their live chunks copied to a new pack) or dropped. */
  packsCompacted: number;
  /** Copies of objects no chunk names any more, queued for deletion with them. */
  copiesDropped: number;
  chunksDeleted: number;
  chunkDeletesFailed: number;
  /** Stored objects that no chunk record knows (left by a crash), deleted by the daily sweep. */
  orphansDeleted: number;
  /** Recent entries past each user's newest ones. */
  recentPruned: number;
}

const SWEEP_INTERVAL_MS = 24 * HOUR_MS;
const SWEEP_TASK = 'orphan-sweep';
const CONTAINER_GRACE_MS = 60_000;

/**
 * The housekeeping that keeps storage honest: purge old trash, drop abandoned uploads and earlier
 * versions past their retention, and delete from the stores every chunk that no committed file
 * needs. Each step is idempotent and safe to repeat after a crash, because what to delete is
 * recorded in the same transaction that made it garbage.
 */
export class MaintenanceService {
  constructor(
    private readonly repos: Repositories,
    private readonly items: ItemService,
    private readonly files: FileService,
    private readonly uploads: UploadService,
    private readonly packs: PackService,
    private readonly versions: VersionService,
    private readonly recent: RecentService,
    private readonly stores: StoreRegistry,
    private readonly uploadExpiryHours: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  async run(now: number = Date.now()): Promise<MaintenanceReport> {
    const trashPurged = await this.items.purgeExpired(now);
    const uploadsExpired = await this.uploads.expire(now);
    const versionsDiscarded = await this.discardStaleVersions(now);
    const versionsPruned = await this.versions.prune(now);
    await this.repos.sessions.deleteExpired(now);
    await this.repos.devicePairings.deleteExpired(now);
    await this.repos.locks.deleteExpiredGrants(now);
    const packsCompacted = await this.packs.compact(now);
    const copiesDropped = await this.dropOrphanCopies(now);
    const { deleted, failed } = await this.collectGarbage(now);
    const orphansDeleted = await this.dailySweep(now);
    const recentPruned = await this.recent.prune();
    return {
      trashPurged,
      uploadsExpired,
      versionsDiscarded,
      versionsPruned,
      packsCompacted,
      copiesDropped,
      chunksDeleted: deleted,
      chunkDeletesFailed: failed,
      orphansDeleted,
      recentPruned,
    };
  }

  /**
   * The copies of objects that no chunk names any more (their files deleted, their pack compacted)
   * are forgotten and the other copies' objects queued for deletion, in one transaction per batch.
   */
  private async dropOrphanCopies(now: number, batch = 500): Promise<number> {
    let dropped = 0;
    for (;;) {
      const taken = await this.repos.transaction(async (r) => {
        const rows = await r.copies.takeOrphans(batch);
        // The object itself was queued by whatever stopped naming it (a delete, a compaction).
        for (const row of rows.filter((c) => c.copy_locator !== c.locator)) {
          await r.versions.queueObject(row.store, row.copy_locator, now);
        }
        return rows.length;
      });
      dropped += taken;
      if (taken < batch) return dropped;
    }
  }

  /** The sweep, on the first run of each day over all instances (it lists whole stores). */
  private async dailySweep(now: number): Promise<number> {
    const day = Math.floor(now / SWEEP_INTERVAL_MS);
    if (!(await this.repos.scheduledRuns.take(SWEEP_TASK, day, now))) return 0;
    const orphansDeleted = await this.sweep(now);
    await this.repos.scheduledRuns.finish(SWEEP_TASK, day, Date.now(), { orphansDeleted });
    return orphansDeleted;
  }

  /**
   * Asks each store that can list its objects to delete those no chunk record knows. Objects younger
   * than the upload expiry are left alone: their upload may still be running.
   */
  async sweep(now: number): Promise<number> {
    let deleted = 0;
    for (const store of this.stores.all()) {
      if (!store.sweep) continue;
      const known = {
        keys: (keys: string[]) => this.repos.versions.knownKeys(keys),
        containers: (containers: string[]) => this.repos.versions.containersInUse(store.name, containers),
      };
      deleted += await store.sweep(known, await this.sweepBefore(store.name, now));
    }
    return deleted;
  }

  /**
   * Objects older than the upload expiry are judged, but never one a pending record may be waiting
   * for: a chunk is recorded before it is sent, so nothing sent since its record (less an hour, for
   * the store's clock) is touched. Stale records are discarded before the sweep in `run`.
   */
  private async sweepBefore(store: string, now: number): Promise<number> {
    const expiry = now - this.uploadExpiryHours * HOUR_MS;
    const pendingSince = await this.repos.versions.oldestPendingChunk(store);
    return pendingSince === null ? expiry : Math.min(expiry, pendingSince - HOUR_MS);
  }

  /** Versions of plain uploads whose request (or server) died before the commit. */
  private async discardStaleVersions(now: number): Promise<number> {
    const stale = await this.repos.versions.staleUploadingVersions(
      now - this.uploadExpiryHours * HOUR_MS,
      500,
    );
    for (const id of stale) await this.files.discardVersion(id);
    return stale.length;
  }

  /**
   * Deletes queued objects from their stores; a failed delete stays queued for the next run. An
   * object that some chunk is still in (a pack, a Discord message shared with another file) is left:
   * the deletion of its last chunk queues it again. Where containers are shared, an entry waits
   * CONTAINER_GRACE_MS, so chunks stored in the same message have had time to record where they are.
   */
  async collectGarbage(now = Date.now(), batch = 500): Promise<{ deleted: number; failed: number }> {
    let deleted = 0;
    let failed = 0;
    const seen = new Set<number>();
    for (;;) {
      const rows = (await this.repos.versions.garbage(batch + seen.size)).filter((row) => !seen.has(row.id));
      if (rows.length === 0) return { deleted, failed };
      const byStore = new Map<string, typeof rows>();
      for (const row of rows) byStore.set(row.store, [...(byStore.get(row.store) ?? []), row]);
      for (const [name, storeRows] of byStore) {
        const store = this.stores.get(name);
        const due = storeRows.filter((row) => {
          const waits = store.containerOf !== undefined && row.created_at > now - CONTAINER_GRACE_MS;
          if (waits) seen.add(row.id);
          return !waits;
        });
        const inUse = await this.repos.versions.containersInUse(
          name,
          due.map((row) => containerOf(store, row.locator)),
        );
        const deletable = due.filter((row) => !inUse.has(containerOf(store, row.locator)));
        const errors = await this.deleteFrom(
          store,
          deletable.map((row) => row.locator),
        );
        for (const row of due) {
          const err = errors.get(row.locator);
          if (!err) {
            await this.repos.versions.deleteGarbage(row.id);
            if (!inUse.has(containerOf(store, row.locator))) deleted++;
            continue;
          }
          seen.add(row.id);
          failed++;
          await this.repos.versions.bumpGarbageAttempts(row.id);
          this.log.warn(
            { err, store: row.store, attempts: row.attempts + 1 },
            'chunk delete failed; will retry',
          );
        }
      }
    }
  }

  /** One store's deletes: in bulk where the store can, else one by one. */
  private async deleteFrom(store: ChunkStore, locators: string[]): Promise<Map<string, Error>> {
    if (locators.length === 0) return new Map();
    if (store.deleteMany) return store.deleteMany(locators);
    const errors = new Map<string, Error>();
    for (const locator of locators) {
      await store.delete(locator).catch((err: unknown) => errors.set(locator, err as Error));
    }
    return errors;
  }
}
