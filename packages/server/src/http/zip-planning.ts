import { AppError } from '../lib/app-error.js';
import { Limiter } from '../lib/limiter.js';
import { SlotCounter } from '../lib/slot-counter.js';

export interface ZipPlanningLimits {
  /** Plans one client address may have made or waiting at once; one more is refused with 429. */
  perAddress: number;
  /** Plans made at once in this process; the rest wait their turn. */
  total: number;
  /** Archive entries one address may have planned for share links within `windowMs`. */
  visitorEntries: number;
  windowMs: number;
}

/**
 * Two at once per address lets a page start a second zip while the first is planned. A visitor's
 * 100,000 entries a minute are ten plans of a 10,000-file folder: a download manager that splits
 * one archive into eight ranges still fits, a loop of HEADs gets a few seconds of work a minute.
 */
export const ZIP_PLANNING_LIMITS: ZipPlanningLimits = {
  perAddress: 2,
  total: 4,
  visitorEntries: 100_000,
  windowMs: 60_000,
};

/** A retry a moment later usually finds a slot: a plan takes a fraction of a second. */
const BUSY_RETRY_SECONDS = 2;

function tooMany(seconds: number, message: string): AppError {
  return new AppError(
    429,
    'too_many_requests',
    `${message}; try again in ${seconds} seconds`,
    { retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}

/**
 * Bounds the planning of zip downloads. Before an archive's first byte, or its Content-Length for a
 * HEAD, the whole tree below the folder is read and laid out: for a folder of 10,000 files that is
 * a few hundred milliseconds of database and CPU time (with SQLite, of the one thread that serves
 * everyone), and a share link lets anyone ask for it.
 *
 * A HEAD keeps its Content-Length and ETag instead of being answered without planning: download
 * managers read the size from it to resume and split a download, and a cheap HEAD would bound
 * nothing, since `GET` with `Range: bytes=0-0` costs the same plan and sends one byte. So the plans
 * themselves are bounded, whatever asks for them:
 * - per address, refused past a few at once, so one client cannot queue up work for others;
 * - in total, queued, so many addresses together slow zip starts down rather than everything else;
 * - for share-link visitors, who have no account to answer for, by the entries planned per address
 *   in a window, which also stops one visitor asking for the same big plan over and over.
 * Streaming the archive afterwards holds no slot: it is paced by the client and the chunk stores.
 */
export class ZipPlanning {
  private readonly perAddress: SlotCounter;
  private readonly total: Limiter;
  /** Per address: when each of its visitor plans was made, and its entries. */
  private readonly planned = new Map<string, { at: number; entries: number }[]>();
  private lastSweep = 0;

  constructor(
    private readonly limits: ZipPlanningLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.perAddress = new SlotCounter(limits.perAddress);
    this.total = new Limiter(limits.total);
  }

  /** Makes `plan` for `address`; `visitor` plans also count against the address's entry budget. */
  async run<T extends { entries: number }>(
    address: string,
    plan: () => Promise<T>,
    visitor = false,
  ): Promise<T> {
    if (visitor) this.checkBudget(address);
    const release = this.perAddress.take(address);
    if (!release) {
      throw tooMany(
        BUSY_RETRY_SECONDS,
        `Too many zip downloads are being prepared for this address at once (at most ${this.perAddress.max})`,
      );
    }
    try {
      const made = await this.total.run(plan);
      if (visitor) this.record(address, made.entries);
      return made;
    } finally {
      release();
    }
  }

  private recent(address: string): { at: number; entries: number }[] {
    const since = this.now() - this.limits.windowMs;
    const kept = (this.planned.get(address) ?? []).filter((p) => p.at > since);
    if (kept.length > 0) this.planned.set(address, kept);
    else this.planned.delete(address);
    return kept;
  }

  private checkBudget(address: string): void {
    const recent = this.recent(address);
    const spent = recent.reduce((sum, p) => sum + p.entries, 0);
    if (spent < this.limits.visitorEntries) return;
    // Once the oldest plan leaves the window there may be room again; if not, the next 429 says so.
    const wait = recent[0]!.at + this.limits.windowMs - this.now();
    throw tooMany(
      Math.max(1, Math.ceil(wait / 1000)),
      'Too many zip downloads were started from this address through share links',
    );
  }

  private record(address: string, entries: number): void {
    // An empty folder still costs a read: it counts as one entry.
    this.planned.set(address, [...this.recent(address), { at: this.now(), entries: Math.max(1, entries) }]);
    if (this.now() - this.lastSweep < this.limits.windowMs) return;
    this.lastSweep = this.now();
    for (const key of [...this.planned.keys()]) this.recent(key);
  }
}
