import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ScrubReport } from '@idrive/shared';
import type { ChunkCopyRow, CopyStatus } from '../db/schema.js';
import type { StoredObject } from '../repositories/chunk-copy.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import { containerOf, type ChunkStore } from '../storage/chunk-store.js';
import { ChunkMissingError, IntegrityError } from '../storage/errors.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import type { CopyReader } from './copy-reader.js';
import type { PeriodicWork } from './maintenance-schedule.js';

export interface ScrubOptions {
  /** Every copy is looked for once in this time. */
  periodMs: number;
  /** How often a run comes (the job interval): each run looks at its share of the period. */
  intervalMs: number;
  /** The share of the copies a run looks at that it also reads back and opens (0–1). */
  deepShare: number;
}

/** A run looks at no fewer copies than this (a small drive is walked sooner than its period). */
const MIN_CHECKS = 50;
/** Nor more: a run stays short beside the uploads and downloads it shares Discord's limits with. */
const MAX_CHECKS = 2_000;
/** Objects a run completes or trims at most; the rest wait for the next run. */
const MAX_FIXES = 200;

/** A store that can keep copies apart and look for them without reading them. */
type CopyStore = ChunkStore & Required<Pick<ChunkStore, 'placeOf' | 'places' | 'putApart' | 'probe'>>;

function keepsCopies(store: ChunkStore): store is CopyStore {
  return !!(store.placeOf && store.places && store.putApart && store.probe);
}

/** What a failed read says of the copy: gone, damaged, or nothing (it did not answer). */
function lossOf(err: unknown): Exclude<CopyStatus, 'ok'> | null {
  if (err instanceof ChunkMissingError) return 'missing';
  if (err instanceof IntegrityError) return 'damaged';
  return null;
}

export function emptyScrubReport(): ScrubReport {
  return {
    checked: 0,
    deepChecked: 0,
    missing: 0,
    damaged: 0,
    repaired: 0,
    added: 0,
    removed: 0,
    failed: 0,
    ms: 0,
  };
}

/**
 * The scrubber (docs/decisions.md, "Replicas"). Each run looks for its share of the stored copies,
 * those looked at longest ago first, so every copy is looked at once per period: most by asking the
 * store whether the object is there (on Discord one message read per message), a sample by reading
 * it back and opening every chunk in it. Then it brings objects to the number of good copies the
 * drive keeps: a new copy, from a copy just read and opened, in a place none of the good copies is
 * in, for each one missing; and the lost, damaged and extra copies go. Every request goes through
 * the store, so on Discord through the one scheduler and its limits.
 */
export class ScrubService implements PeriodicWork {
  constructor(
    private readonly repos: Repositories,
    private readonly reader: CopyReader,
    private readonly stores: StoreRegistry,
    private readonly options: ScrubOptions,
    private readonly log: FastifyBaseLogger,
    /** Told once a run that found or changed anything is recorded, so admins hear of it. */
    private readonly changed: () => void,
  ) {}

  async run(now: number = Date.now()): Promise<ScrubReport> {
    const started = Date.now();
    const report = emptyScrubReport();
    const stores = this.stores.all().filter(keepsCopies);
    if (stores.length === 0) return report;
    const wanted = await this.repos.drive.replicas();
    await this.check(stores, report, now);
    await this.fix(stores, wanted, report);
    report.ms = Date.now() - started;
    return report;
  }

  recorded(report: ScrubReport): void {
    const { missing, damaged, repaired, added, removed } = report;
    if (missing + damaged + repaired + added + removed > 0) this.changed();
  }

  /** Looks for this run's share of the copies. */
  private async check(stores: CopyStore[], report: ScrubReport, now: number): Promise<void> {
    const names = stores.map((s) => s.name);
    const total = await this.repos.copies.count(names);
    const share = Math.ceil((total * this.options.intervalMs) / this.options.periodMs);
    const due = await this.repos.copies.dueForCheck(names, Math.min(MAX_CHECKS, Math.max(MIN_CHECKS, share)));
    // The deep sample: those read back longest ago.
    const deep = new Set(
      [...due]
        .sort((a, b) => (a.deep_checked_at ?? -1) - (b.deep_checked_at ?? -1))
        .slice(0, Math.ceil(due.length * this.options.deepShare)),
    );
    const marks: { row: ChunkCopyRow; status: CopyStatus; deep: boolean }[] = [];
    for (const store of stores) {
      const rows = due.filter((r) => r.store === store.name);
      const probed = await store.probe(rows.filter((r) => !deep.has(r)).map((r) => r.copy_locator));
      for (const row of rows) {
        const found = deep.has(row) ? await this.readBack(row) : probed.get(row.copy_locator);
        report.checked++;
        if (deep.has(row)) report.deepChecked++;
        if (found instanceof Error || found === undefined) {
          report.failed++;
          this.log.warn(
            { err: found, store: row.store },
            'could not check a stored copy; it stays as it was',
          );
          // Its turn is over all the same, so one copy that does not answer cannot hold up the walk.
          marks.push({ row, status: row.status, deep: false });
          continue;
        }
        const status = found === 'present' ? 'ok' : found;
        if (status !== 'ok') report[status]++;
        marks.push({ row, status, deep: deep.has(row) });
      }
    }
    // One transaction for the run's findings: a commit per copy would cost more than the checks.
    await this.repos.transaction(async (r) => {
      for (const { row, status, deep: read } of marks) {
        await r.copies.mark(row, row.copy_locator, status, now, read);
      }
    });
  }

  /** A deep check: the copy read back and opened. */
  private async readBack(row: ChunkCopyRow): Promise<'present' | 'missing' | 'damaged' | Error> {
    try {
      await this.reader.read(row, row.copy_locator);
      return 'present';
    } catch (err) {
      return lossOf(err) ?? (err as Error);
    }
  }

  private async fix(stores: CopyStore[], wanted: number, report: ScrubReport): Promise<void> {
    const names = stores.map((s) => s.name);
    const short = await this.repos.copies.offTarget(names, wanted, 'short', MAX_FIXES);
    for (const object of short) {
      await this.complete(object, wanted, report).catch((err: unknown) => {
        report.failed++;
        this.log.warn({ err, store: object.store }, 'could not complete the copies of a stored object');
      });
    }
    const over = await this.repos.copies.offTarget(names, wanted, 'over', MAX_FIXES);
    for (const object of over) {
      await this.trim(object, wanted, report).catch((err: unknown) => {
        report.failed++;
        this.log.warn({ err, store: object.store }, 'could not remove an extra copy of a stored object');
      });
    }
  }

  /**
   * Makes the copies an object lacks from one that is read and opens, then lets its lost and
   * damaged copies go. With no good copy left, nothing is touched: the object is reported lost.
   */
  private async complete(object: StoredObject, wanted: number, report: ScrubReport): Promise<void> {
    const store = this.stores.get(object.store) as CopyStore;
    const copies = await this.repos.copies.of(object);
    const good = copies.filter((c) => c.status === 'ok');
    const bad = copies.filter((c) => c.status !== 'ok');
    let source: Buffer | undefined;
    while (!source && good.length > 0) {
      const copy = good[0]!;
      try {
        source = await this.reader.read(object, copy.copy_locator);
      } catch (err) {
        const status = lossOf(err);
        if (!status) throw err;
        report[status]++;
        await this.repos.copies.mark(object, copy.copy_locator, status, Date.now(), true);
        bad.push(good.shift()!);
      }
    }
    if (!source) return;
    const avoid = good.map((c) => store.placeOf(c.copy_locator));
    const lost = bad.length;
    try {
      for (let made = 0; good.length < wanted; made++) {
        const locator = await store.putApart(randomUUID(), source, avoid);
        const copy = { locator, container: containerOf(store, locator) };
        await this.repos.copies.insert(object, copy, Date.now());
        good.push({ ...good[0]!, copy_locator: copy.locator, copy_container: copy.container });
        avoid.push(store.placeOf(locator));
        if (made < lost) report.repaired++;
        else report.added++;
      }
    } catch (err) {
      // Short still (no channel apart, Discord busy): the next run tries again. The bad copies go
      // all the same, since a good one stands in for them.
      report.failed++;
      this.log.warn({ err, store: object.store }, 'could not make a copy of a stored object');
    }
    let current = object;
    for (const copy of bad) current = await this.drop(current, copy.copy_locator, good[0]!);
  }

  /** Removes good copies past the setting, newest first; the one chunk rows name stays. */
  private async trim(object: StoredObject, wanted: number, report: ScrubReport): Promise<void> {
    const good = (await this.repos.copies.of(object)).filter((c) => c.status === 'ok');
    const extra = good
      .filter((c) => c.copy_locator !== object.locator)
      .sort((a, b) => b.created_at - a.created_at)
      .slice(0, good.length - wanted);
    const keep = good.find((c) => !extra.includes(c))!;
    for (const copy of extra) {
      await this.drop(object, copy.copy_locator, keep);
      report.removed++;
    }
  }

  /**
   * Forgets a copy and queues its object for deletion, in one transaction. When it is the copy the
   * chunk rows name, they name `keep` from then on; returns the object's name after.
   */
  private async drop(object: StoredObject, copyLocator: string, keep: ChunkCopyRow): Promise<StoredObject> {
    return this.repos.transaction(async (r) => {
      let current = object;
      if (copyLocator === object.locator) {
        await r.copies.rename(object, { locator: keep.copy_locator, container: keep.copy_container });
        current = { store: object.store, locator: keep.copy_locator };
      }
      await r.copies.remove(current, copyLocator);
      // The collector deletes the object once no chunk and no copy is left in its container.
      await r.versions.queueObject(object.store, copyLocator, Date.now());
      return current;
    });
  }
}
