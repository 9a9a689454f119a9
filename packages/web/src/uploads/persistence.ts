import { isUnfinished, recordOf, type UploadJob } from './job';
import { loadRecords, recordsKey, saveRecords, type UploadRecord } from './records';

export type RecordStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * Keeps the unfinished jobs of the signed-in user in storage (localStorage in the app), so uploads
 * cut by a reload are listed again and go on once the user picks their files. Many jobs change at
 * once (a batch): saves asked for in the same task are one write.
 */
export class JobPersistence {
  private user: string | null = null;
  private queued = false;

  constructor(
    private readonly storage: RecordStorage,
    private readonly jobs: () => readonly UploadJob[],
  ) {}

  /** Whose jobs are kept; returns what was saved for that user. */
  open(user: string): UploadRecord[] {
    this.user = user;
    return loadRecords(this.storage, recordsKey(user));
  }

  get userId(): string | null {
    return this.user;
  }

  save(): void {
    if (this.queued || !this.user) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.user) return;
      saveRecords(this.storage, recordsKey(this.user), this.jobs().filter(isUnfinished).map(recordOf));
    });
  }
}
