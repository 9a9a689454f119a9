import type { PageQuery } from '@idrive/shared';
import type { ItemRow, RecentItemRow, UserRow } from '../db/schema.js';
import type { ItemChangeListener, NewItemEvent } from '../events/item-events.js';
import type { RecentRow } from '../repositories/recent.repository.js';
import type { Repositories } from '../repositories/repositories.js';

/** An open of a file is written at most this often per user and file. */
export const OPENED_EVERY_MS = 60_000;
/** Entries kept per user; maintenance deletes older ones. */
export const RECENT_KEEP = 500;
/** Entries remembered for coalescing; past this the oldest is forgotten (the database still coalesces). */
const REMEMBERED_MAX = 10_000;
/** The item events that count as the user changing a file. */
const CHANGES = new Set<NewItemEvent['type']>(['item.created', 'item.updated', 'item.moved', 'item.copied']);

/**
 * The files each user opened or changed lately. Opens are noted by the content routes and changes
 * heard from committed item events; both are written behind the request that caused them, a batch
 * per turn of the event loop, so neither a download nor a commit waits for them. An entry shows the
 * last thing that happened, except that an open less than a minute after an open of the same file
 * (a video's seeks, a preview shown again) is not written: this process remembers what it noted,
 * and the database refuses such an open from any instance.
 */
export class RecentService implements ItemChangeListener {
  private readonly pending = new Map<string, RecentItemRow>();
  /** What was last noted of each user and file, oldest first. */
  private readonly noted = new Map<string, RecentItemRow>();
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly repos: Repositories,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The user read the file (a preview, a download, the editor), which they can see. Returns at once. */
  opened(user: UserRow, fileId: string): void {
    const entry = { user_id: user.id, item_id: fileId, action: 'opened' as const, at: this.now() };
    const last = this.noted.get(keyOf(user.id, fileId));
    if (last && !replaces(entry, last)) return;
    this.note(entry);
  }

  /**
   * A file was uploaded, saved, renamed, moved or copied: by its owner, or by someone it is shared
   * with, whose Recent it goes to (the drive's own work goes to the owner's).
   */
  itemChanged(event: NewItemEvent, row: ItemRow, by: string | null): void {
    if (row.type !== 'file' || !CHANGES.has(event.type)) return;
    this.note({ user_id: by ?? row.owner_id, item_id: row.id, action: 'changed', at: this.now() });
  }

  /**
   * The user's recent files, newest first, less those in the trash and those inside `closed`. What
   * this process has noted for them is written first, so their own last open is always there.
   */
  async list(
    user: UserRow,
    page: PageQuery,
    closed: ReadonlySet<string>,
  ): Promise<{ rows: RecentRow[]; total: number }> {
    await this.flush();
    const shared = await this.repos.userShares.anyFor(user.id);
    const [rows, total] = await Promise.all([
      this.repos.recent.page(user.id, shared, [...closed], page.offset, page.limit),
      this.repos.recent.count(user.id, shared, [...closed]),
    ]);
    return { rows, total };
  }

  /** Keeps each user's newest entries (RECENT_KEEP); returns how many older ones were deleted. */
  prune(): Promise<number> {
    return this.repos.recent.prune(RECENT_KEEP);
  }

  /** Writes what has been noted; resolves once that and every earlier write is done (or has failed). */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (batch.length > 0) {
      this.writing = this.writing
        .then(() => this.repos.recent.record(batch, OPENED_EVERY_MS))
        .catch(this.onError);
    }
    return this.writing;
  }

  private note(entry: RecentItemRow): void {
    const key = keyOf(entry.user_id, entry.item_id);
    this.noted.delete(key);
    this.noted.set(key, entry);
    if (this.noted.size > REMEMBERED_MAX) this.noted.delete(this.noted.keys().next().value!);
    const queued = this.pending.get(key);
    if (!queued || replaces(entry, queued)) this.pending.set(key, entry);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }
}

/** The database's rule too (RecentRepository.record): only an open hard on the heels of an open waits. */
function replaces(entry: RecentItemRow, last: RecentItemRow): boolean {
  if (entry.action === 'opened' && last.action === 'opened') return entry.at - last.at >= OPENED_EVERY_MS;
  return entry.at >= last.at;
}

function keyOf(userId: string, itemId: string): string {
  return `${userId}/${itemId}`;
}
