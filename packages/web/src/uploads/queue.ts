import type { ConflictPolicy, Item } from '@idrive/shared';
import { ApiError, errorMessage } from '../api/http';
import { batchOf, spreadProgress } from './batch';
import { ConflictResolver, type AskConflict } from './conflicts';
import type { Picked, PickedFile } from './entries';
import { FolderMaker, foldersToMake } from './folders';
import {
  interruptedJob,
  isFinished,
  newJob,
  type Destination,
  type UploadJob,
  type UploadStatus,
} from './job';
import { JobPersistence, type RecordStorage } from './persistence';
import { directoryOf } from './plan';
import { RateMeter } from './rate';
import { sameFile, tusFingerprint } from './records';
import { Scheduler } from './scheduler';
import type { UploadTransport } from './transport';
import { TusSession } from './tus-session';

/** Requests in flight at once (batches and tus uploads): enough to hide latency, few enough to be fair. */
const MAX_ACTIVE = 3;

/** Something of an upload that failed outside any one file: a folder not made, a drop not read. */
export interface UploadProblem {
  path: string;
  error: string;
}

/** What the queue shows: replaced or changed in place, always through `state`. */
export interface QueueState {
  jobs: UploadJob[];
  problems: UploadProblem[];
  /** Total bytes per second over the last seconds. */
  speed: number;
}

export interface UploadQueueOptions {
  transport: UploadTransport;
  /** Where unfinished jobs are remembered across reloads. */
  storage: RecordStorage;
  /** Asks the user about a name that is taken. */
  askConflict: AskConflict;
  /** A file or folder now exists (or changed, as a folder's size): the open listing shows it. */
  onItem: (item: Item) => void;
  /** The message for a batch file the server answered without a result of its own. */
  notStored: () => string;
  /**
   * How the host watches the state: the app passes Vue's `reactive`, so the panel follows every
   * change. The queue reads and writes only what this returns.
   */
  observe?: <T extends object>(value: T) => T;
  maxActive?: number;
}

type Work = { kind: 'tus'; job: UploadJob } | { kind: 'batch'; jobs: UploadJob[] };

/**
 * The upload queue: what the user dropped or picked, sent small files in batches and big ones
 * through tus, at most a few requests at once, with progress, speed, pause/resume/cancel/retry,
 * conflict questions, the folders on the way, and a record in storage so uploads cut by a reload go
 * on when the user picks the files again.
 */
export class UploadQueue {
  readonly state: QueueState;
  private readonly observe: <T extends object>(value: T) => T;
  // Never shown: files, tus sessions and meters stay out of the observed state.
  private readonly files = new Map<string, File>();
  private readonly sessions = new Map<string, TusSession>();
  private readonly meters = new Map<string, RateMeter>();
  private readonly totalMeter = new RateMeter();
  /** Folders (ids) uploads went into, whose size in the listing is stale until they are read again. */
  private readonly staleFolders = new Set<Promise<string>>();
  private readonly resolver: ConflictResolver;
  private readonly folders: FolderMaker;
  private readonly persistence: JobPersistence;
  private readonly scheduler: Scheduler<Work>;
  private transferred = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: UploadQueueOptions) {
    this.observe = options.observe ?? ((value) => value);
    this.state = this.observe<QueueState>({ jobs: [], problems: [], speed: 0 });
    this.resolver = new ConflictResolver(options.askConflict);
    this.folders = new FolderMaker(
      (parentId, name) => options.transport.ensureFolder(parentId, name),
      options.onItem,
    );
    this.persistence = new JobPersistence(options.storage, () => this.state.jobs);
    this.scheduler = new Scheduler(
      options.maxActive ?? MAX_ACTIVE,
      () => this.nextWork(),
      (work) => this.run(work),
      () => this.idle(),
    );
  }

  /** Shows the saved unfinished uploads of this user, as interrupted, after a reload or sign-in. */
  restore(user: string): void {
    if (this.persistence.userId === user) return;
    const records = this.persistence.open(user);
    if (this.state.jobs.some((job) => job.status === 'uploading')) return;
    this.state.jobs = records.map((record) => this.observe(interruptedJob(record)));
  }

  /** Files that match an interrupted upload go on with it; returns the others. */
  resumeWith(picked: readonly PickedFile[]): PickedFile[] {
    const others = picked.filter(({ file }) => {
      const waiting = this.state.jobs.find((job) => job.status === 'interrupted' && sameFile(job, file));
      if (!waiting) return true;
      this.files.set(waiting.id, file);
      this.setStatus(waiting, 'queued');
      return false;
    });
    this.scheduler.pump();
    return others;
  }

  /** Queues what the user picked; files that match an interrupted upload go on with it instead. */
  add(picked: Picked, destination: Destination): void {
    const fresh = this.resumeWith(picked.files);
    for (const { file, path } of fresh) {
      const job = this.observe(newJob(file, path, destination));
      this.files.set(job.id, file);
      this.state.jobs.push(job);
    }
    // Only the folders of new jobs: resumed ones already have theirs.
    for (const dir of foldersToMake({ ...picked, files: fresh })) {
      this.folders.folderFor(destination.id, dir).catch((err: unknown) => this.report(dir, err));
    }
    this.persistence.save();
    this.scheduler.pump();
  }

  /** Something failed outside any one file (a folder not made, a drop not read). */
  report(path: string, err: unknown): void {
    this.state.problems.push({ path, error: errorMessage(err) });
  }

  pause(job: UploadJob): void {
    if (job.status === 'queued') this.setStatus(job, 'paused');
    else if (job.status === 'uploading' && job.resumable) {
      this.setStatus(job, 'paused');
      this.sessions.get(job.id)?.stop(false);
    }
  }

  resume(job: UploadJob): void {
    if (job.status !== 'paused') return;
    this.setStatus(job, 'queued');
    this.scheduler.pump();
  }

  /** Stops an upload and discards what the server holds of it. A batch in flight cannot be split. */
  cancel(job: UploadJob): void {
    if (job.status === 'uploading' && !job.resumable) return;
    const session = this.sessions.get(job.id);
    this.setStatus(job, 'cancelled');
    session?.stop(true);
    if (!session?.started && job.resumable) {
      void this.options.transport.forgetTus(this.fingerprintOf(job)).catch(() => undefined);
    }
  }

  retry(job: UploadJob): void {
    if (job.status !== 'failed') return;
    this.setStatus(job, 'queued');
    this.scheduler.pump();
  }

  retryFailed(): void {
    for (const job of this.state.jobs) if (job.status === 'failed') this.setStatus(job, 'queued');
    this.scheduler.pump();
  }

  pauseAll(): void {
    for (const job of this.state.jobs) {
      if (job.status === 'queued' || job.status === 'uploading') this.pause(job);
    }
  }

  resumeAll(): void {
    for (const job of this.state.jobs) if (job.status === 'paused') this.setStatus(job, 'queued');
    this.scheduler.pump();
  }

  clearFinished(): void {
    this.state.jobs = this.state.jobs.filter((job) => !isFinished(job));
    this.state.problems = [];
  }

  private setStatus(job: UploadJob, status: UploadStatus, error = ''): void {
    job.status = status;
    job.error = error;
    if (isFinished(job)) this.files.delete(job.id);
    if (status !== 'uploading') job.speed = 0;
    this.persistence.save();
  }

  private fingerprintOf(job: UploadJob): string {
    return tusFingerprint(this.persistence.userId ?? '', job);
  }

  private fileOf(job: UploadJob): File {
    const file = this.files.get(job.id);
    if (!file) throw new Error(`No file for ${job.path}`);
    return file;
  }

  /** The policy sent to the server: the job's own (after a conflict answer) or an answer "for all". */
  private policyOf(job: UploadJob): ConflictPolicy {
    return job.conflict === 'fail' ? this.resolver.policy() : job.conflict;
  }

  /** The first queued job, with the small files that travel with it. */
  private nextWork(): Work | null {
    const next = this.state.jobs.find((job) => job.status === 'queued');
    if (!next) return null;
    return next.resumable
      ? { kind: 'tus', job: next }
      : { kind: 'batch', jobs: batchOf(this.state.jobs, next) };
  }

  /** Marks the work as started before its first await, so the scheduler never hands it out twice. */
  private run(work: Work): Promise<void> {
    this.ticker ??= setInterval(() => this.tick(), 1000);
    return work.kind === 'tus' ? this.runTus(work.job) : this.runBatch(work.jobs);
  }

  private finish(job: UploadJob, item: Item | null): void {
    job.sent = job.size;
    this.setStatus(job, 'done');
    if (item) this.options.onItem(item);
    const top = directoryOf(job.path).split('/')[0];
    if (top) this.staleFolders.add(this.folders.folderFor(job.destinationId, top));
  }

  private fail(job: UploadJob, err: unknown): void {
    this.setStatus(job, 'failed', errorMessage(err));
  }

  private async askConflict(job: UploadJob): Promise<void> {
    this.setStatus(job, 'conflict');
    try {
      const choice = await this.resolver.resolve(job.name);
      if (choice === 'skip') {
        this.setStatus(job, 'skipped');
        return;
      }
      job.conflict = choice;
      this.setStatus(job, 'queued');
      this.scheduler.pump();
    } catch (err) {
      this.fail(job, err);
    }
  }

  private async runBatch(batch: UploadJob[]): Promise<void> {
    for (const job of batch) {
      job.sent = 0;
      this.setStatus(job, 'uploading');
    }
    const first = batch[0]!;
    try {
      const parts = batch.map((job) => ({ path: job.path, file: this.fileOf(job) }));
      const results = await this.options.transport.sendBatch(
        first.destinationId,
        parts,
        this.policyOf(first),
        (loaded, total) => (this.transferred += spreadProgress(batch, loaded, total)),
      );
      for (const [i, result] of results.entries()) {
        const job = batch[i]!;
        if (result.item) this.finish(job, result.item);
        else if (result.error?.code === 'name_conflict') void this.askConflict(job);
        else this.fail(job, new Error(result.error?.message ?? this.options.notStored()));
      }
    } catch (err) {
      for (const job of batch) this.fail(job, err);
    }
  }

  private async runTus(job: UploadJob): Promise<void> {
    this.setStatus(job, 'uploading');
    const session = new TusSession();
    this.sessions.set(job.id, session);
    try {
      const file = this.fileOf(job);
      const parentId = await this.folders.folderFor(job.destinationId, directoryOf(job.path));
      // Paused or cancelled while its folder was being made.
      if (job.status !== 'uploading') return;
      const target = {
        parentId,
        name: job.name,
        conflict: this.policyOf(job),
        fingerprint: this.fingerprintOf(job),
      };
      await session.start(this.options.transport, file, target, {
        onProgress: (sent) => {
          this.transferred += Math.max(0, sent - job.sent);
          job.sent = sent;
        },
        onResume: (offset) => {
          job.resumedFrom = offset;
          job.sent = offset;
        },
        onSuccess: async (fileId) => {
          const item = fileId ? await this.options.transport.getItem(fileId).catch(() => null) : null;
          this.finish(job, item);
        },
        onError: (err) => {
          if (err instanceof ApiError && err.code === 'name_conflict') void this.askConflict(job);
          else this.fail(job, err);
        },
      });
      await session.done;
    } catch (err) {
      this.fail(job, err);
    } finally {
      this.sessions.delete(job.id);
    }
  }

  private tick(): void {
    const now = performance.now();
    this.totalMeter.add(this.transferred, now);
    this.state.speed = this.totalMeter.rate();
    for (const job of this.state.jobs) {
      if (job.status !== 'uploading') {
        this.meters.delete(job.id);
        continue;
      }
      let meter = this.meters.get(job.id);
      if (!meter) this.meters.set(job.id, (meter = new RateMeter()));
      meter.add(job.sent, now);
      job.speed = meter.rate();
    }
  }

  /** Everything sent: read again the folders that grew, and forget answers given "for all". */
  private idle(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.state.speed = 0;
    this.totalMeter.reset();
    if (this.state.jobs.some((job) => job.status === 'conflict')) return;
    this.resolver.reset();
    for (const folder of this.staleFolders) {
      void folder
        .then((id) => this.options.transport.getItem(id))
        .then(this.options.onItem)
        .catch(() => undefined);
    }
    this.staleFolders.clear();
  }
}
