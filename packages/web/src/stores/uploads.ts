import type { ConflictPolicy, Item } from '@idrive/shared';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Upload } from 'tus-js-client';
import { ApiError, errorMessage } from '../api/http';
import { i18n } from '../i18n';
import { getItem } from '../api/items';
import { ensureFolder, forgetTusUpload, sendBatch, startTusUpload } from '../api/uploads';
import { ConflictResolver, type ConflictAnswer } from '../uploads/conflicts';
import type { Picked, PickedFile } from '../uploads/entries';
import { BATCH_LIMITS, baseName, directoryOf, isSmall, splitBatches } from '../uploads/plan';
import { RateMeter, secondsLeft } from '../uploads/rate';
import {
  loadRecords,
  recordsKey,
  sameFile,
  saveRecords,
  tusFingerprint,
  type UploadRecord,
} from '../uploads/records';
import { useFolderStore } from './folder';
import { useUsageStore } from './usage';

export type UploadStatus =
  | 'queued'
  | 'uploading'
  | 'paused'
  /** Its name is taken; waiting for the user's answer. */
  | 'conflict'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'skipped'
  /** Known from before a page reload; runs again once the user picks the file again. */
  | 'interrupted';

export interface UploadJob extends UploadRecord {
  name: string;
  status: UploadStatus;
  /** Bytes the server has. */
  sent: number;
  /** Bytes per second over the last seconds, while uploading. */
  speed: number;
  /** Where a resumed upload went on from (what the server already had). */
  resumedFrom: number | null;
  error: string;
  /** Sent through tus, so it can pause and resume; small files go in batches instead. */
  resumable: boolean;
}

export interface Destination {
  id: string;
  name: string;
}

/** A name conflict the user is being asked about (the conflict dialog shows it). */
export interface PendingConflict {
  /** Tells one question from the next (two files of one name may conflict in a row). */
  id: number;
  name: string;
  /** Further conflicts waiting behind this one. */
  waiting: number;
  answer(answer: ConflictAnswer): void;
}

/** Something of an upload that failed outside any one file: a folder not made, a drop not read. */
export interface UploadProblem {
  path: string;
  error: string;
}

/** Requests in flight at once (batches and tus uploads): enough to hide latency, few enough to be fair. */
const MAX_ACTIVE = 3;
const UNFINISHED: readonly UploadStatus[] = [
  'queued',
  'uploading',
  'paused',
  'conflict',
  'failed',
  'interrupted',
];
const FINISHED: readonly UploadStatus[] = ['done', 'cancelled', 'skipped'];

let lastId = 0;
/** Unique within the page and across reloads (crypto.randomUUID needs https, which a LAN setup may lack). */
function newId(): string {
  return `${Date.now().toString(36)}-${(lastId++).toString(36)}`;
}

/**
 * The upload queue: what the user dropped or picked, sent small files in batches and big ones
 * through tus, with progress, speed, pause/resume/cancel/retry, conflict questions, and a record in
 * localStorage so uploads cut by a reload go on when the user picks the files again.
 */
export const useUploadsStore = defineStore('uploads', () => {
  const jobs = ref<UploadJob[]>([]);
  const conflict = shallowRef<PendingConflict | null>(null);
  const problems = ref<UploadProblem[]>([]);
  /** Why the last upload the quota refused was refused (the server's words); empty when none was. */
  const quotaFull = shallowRef('');
  /** Total bytes per second over the last seconds. */
  const speed = ref(0);

  // Not reactive: files, tus handles and meters are never shown, and Vue must not proxy them.
  const files = new Map<string, File>();
  const tusUploads = new Map<string, Upload>();
  const settles = new Map<string, () => void>();
  const meters = new Map<string, RateMeter>();
  const totalMeter = new RateMeter();
  /** Folders made or reused, by destination and lower-cased path (names are case-insensitive). */
  const folderIds = new Map<string, Promise<string>>();
  /** Folders (ids) uploads went into, whose size in the listing is stale until they are read again. */
  const staleFolders = new Set<Promise<string>>();
  let transferred = 0;
  let active = 0;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let userId: string | null = null;
  let persistQueued = false;
  let questions = 0;

  const resolver = new ConflictResolver(
    (name, waiting) =>
      new Promise((resolve) => {
        conflict.value = {
          id: ++questions,
          name,
          waiting,
          answer: (answer) => {
            conflict.value = null;
            resolve(answer);
          },
        };
      }),
  );

  /** Jobs the totals count: not those dropped (cancelled, skipped) or waiting for their file. */
  const counted = computed(() =>
    jobs.value.filter((job) => !['cancelled', 'skipped', 'interrupted'].includes(job.status)),
  );
  const totalBytes = computed(() => counted.value.reduce((sum, job) => sum + job.size, 0));
  const sentBytes = computed(() => counted.value.reduce((sum, job) => sum + job.sent, 0));
  const running = computed(() =>
    jobs.value.filter(
      (job) => job.status === 'queued' || job.status === 'uploading' || job.status === 'conflict',
    ),
  );
  const interrupted = computed(() => jobs.value.filter((job) => job.status === 'interrupted'));
  const failed = computed(() => jobs.value.filter((job) => job.status === 'failed'));
  const paused = computed(() => jobs.value.filter((job) => job.status === 'paused'));
  const finished = computed(() => jobs.value.filter((job) => FINISHED.includes(job.status)));
  /** Something is on its way to the server: leaving the page would cut it. */
  const busy = computed(() => running.value.length > 0);
  const timeLeft = computed(() => {
    const remaining = running.value.reduce((sum, job) => sum + job.size - job.sent, 0);
    return secondsLeft(remaining, speed.value);
  });

  function persist(): void {
    if (persistQueued || !userId) return;
    persistQueued = true;
    // Many jobs change status at once (a batch); one write covers them all.
    queueMicrotask(() => {
      persistQueued = false;
      if (!userId) return;
      const records = jobs.value
        .filter((job) => UNFINISHED.includes(job.status))
        .map((job): UploadRecord => ({
          id: job.id,
          path: job.path,
          destinationId: job.destinationId,
          destinationName: job.destinationName,
          size: job.size,
          lastModified: job.lastModified,
          conflict: job.conflict,
        }));
      saveRecords(localStorage, recordsKey(userId), records);
    });
  }

  function setStatus(job: UploadJob, status: UploadStatus, error = ''): void {
    job.status = status;
    job.error = error;
    if (FINISHED.includes(status)) files.delete(job.id);
    if (status !== 'uploading') job.speed = 0;
    persist();
  }

  function fingerprintOf(job: UploadJob): string {
    return tusFingerprint(userId ?? '', job);
  }

  /** Shows the saved unfinished uploads of this user, as interrupted, after a reload or sign-in. */
  function restore(user: string): void {
    if (userId === user) return;
    userId = user;
    if (jobs.value.some((job) => job.status === 'uploading')) return;
    jobs.value = loadRecords(localStorage, recordsKey(user)).map((record) => ({
      ...record,
      name: baseName(record.path),
      status: 'interrupted',
      sent: 0,
      speed: 0,
      resumedFrom: null,
      error: '',
      resumable: !isSmall(record.size),
    }));
  }

  /** The id of the folder at `dir` below the destination, made as needed, parents first. */
  function folderFor(destinationId: string, dir: string): Promise<string> {
    if (!dir) return Promise.resolve(destinationId);
    const key = `${destinationId}/${dir.toLowerCase()}`;
    let id = folderIds.get(key);
    if (!id) {
      id = folderFor(destinationId, directoryOf(dir)).then(async (parentId) => {
        const folder = await ensureFolder(parentId, baseName(dir));
        useFolderStore().upsert(folder);
        return folder.id;
      });
      // A failure is not remembered, so a retry tries again.
      id.catch(() => folderIds.delete(key));
      folderIds.set(key, id);
    }
    return id;
  }

  /**
   * Makes the folders that batches would not make soon enough or at all: the top ones (so they show
   * in the listing at once) and empty ones.
   */
  function makeFolders(destination: Destination, picked: Picked): void {
    const paths = picked.files.map((file) => file.path);
    const filled = new Set<string>();
    for (const path of paths) {
      for (let dir = directoryOf(path); dir && !filled.has(dir); dir = directoryOf(dir)) filled.add(dir);
    }
    const tops = picked.folders.map((folder) => folder.split('/')[0]!);
    const empty = picked.folders.filter((folder) => !filled.has(folder));
    for (const dir of new Set([...tops, ...empty])) {
      folderFor(destination.id, dir).catch((err: unknown) => {
        problems.value.push({ path: dir, error: errorMessage(err) });
      });
    }
  }

  /** Files that match an interrupted upload go on with it; returns the others. */
  function resumeWith(picked: readonly PickedFile[]): PickedFile[] {
    const others = picked.filter(({ file }) => {
      const waiting = jobs.value.find((job) => job.status === 'interrupted' && sameFile(job, file));
      if (!waiting) return true;
      files.set(waiting.id, file);
      setStatus(waiting, 'queued');
      return false;
    });
    pump();
    return others;
  }

  /** Queues what the user picked; files that match an interrupted upload go on with it instead. */
  function add(picked: Picked, destination: Destination): void {
    const fresh: UploadJob[] = [];
    for (const { file, path } of resumeWith(picked.files)) {
      const job: UploadJob = {
        id: newId(),
        path,
        name: baseName(path),
        destinationId: destination.id,
        destinationName: destination.name,
        size: file.size,
        lastModified: file.lastModified,
        conflict: 'fail',
        status: 'queued',
        sent: 0,
        speed: 0,
        resumedFrom: null,
        error: '',
        resumable: !isSmall(file.size),
      };
      files.set(job.id, file);
      fresh.push(job);
    }
    jobs.value.push(...fresh);
    // Only the paths of new jobs: resumed ones already have their folders.
    const freshPaths = new Set(fresh.map((job) => job.path));
    makeFolders(destination, { ...picked, files: picked.files.filter((file) => freshPaths.has(file.path)) });
    persist();
    pump();
  }

  function fileOf(job: UploadJob): File {
    const file = files.get(job.id);
    if (!file) throw new Error(`No file for ${job.path}`);
    return file;
  }

  /** The policy sent to the server: the job's own (after a conflict answer) or an answer "for all". */
  function policyOf(job: UploadJob): ConflictPolicy {
    return job.conflict === 'fail' ? resolver.policy() : job.conflict;
  }

  function finish(job: UploadJob, item: Item | null): void {
    job.sent = job.size;
    setStatus(job, 'done');
    if (item) useFolderStore().upsert(item);
    const top = directoryOf(job.path).split('/')[0];
    if (top) staleFolders.add(folderFor(job.destinationId, top));
  }

  function fail(job: UploadJob, err: unknown): void {
    setStatus(job, 'failed', errorMessage(err));
    if (err instanceof ApiError && err.code === 'quota_exceeded') {
      quotaFull.value = errorMessage(err);
      void useUsageStore().refresh();
    }
  }

  async function askConflict(job: UploadJob): Promise<void> {
    setStatus(job, 'conflict');
    const choice = await resolver.resolve(job.name);
    if (choice === 'skip') {
      setStatus(job, 'skipped');
      return;
    }
    job.conflict = choice;
    setStatus(job, 'queued');
    pump();
  }

  function isNameConflict(err: unknown): boolean {
    return err instanceof ApiError && err.code === 'name_conflict';
  }

  async function runBatch(batch: UploadJob[]): Promise<void> {
    for (const job of batch) {
      job.sent = 0;
      setStatus(job, 'uploading');
    }
    const first = batch[0]!;
    const bytes = batch.reduce((sum, job) => sum + job.size, 0);
    try {
      const parts = batch.map((job) => ({ path: job.path, file: fileOf(job) }));
      const results = await sendBatch(first.destinationId, parts, policyOf(first), (loaded, total) => {
        // The request also carries multipart headers, so its progress is shared out over the files.
        let left = total > 0 ? (loaded / total) * bytes : 0;
        for (const job of batch) {
          const sent = Math.min(job.size, left);
          transferred += sent - job.sent;
          job.sent = sent;
          left -= sent;
        }
      });
      for (const [i, result] of results.entries()) {
        const job = batch[i]!;
        if (result.item) finish(job, result.item);
        else if (result.error?.code === 'name_conflict') void askConflict(job);
        else fail(job, new Error(result.error?.message ?? i18n.global.t('uploads.job.notStored')));
      }
    } catch (err) {
      for (const job of batch) fail(job, err);
    }
  }

  async function completeTus(job: UploadJob, fileId: string | null): Promise<void> {
    const item = fileId ? await getItem(fileId).catch(() => null) : null;
    finish(job, item);
  }

  async function runTus(job: UploadJob): Promise<void> {
    setStatus(job, 'uploading');
    const done = new Promise<void>((resolve) => settles.set(job.id, resolve));
    const settle = () => settles.get(job.id)?.();
    try {
      const file = fileOf(job);
      const parentId = await folderFor(job.destinationId, directoryOf(job.path));
      if (job.status !== 'uploading') return;
      const upload = await startTusUpload(
        file,
        { parentId, name: job.name, conflict: policyOf(job), fingerprint: fingerprintOf(job) },
        {
          onProgress: (sent) => {
            transferred += Math.max(0, sent - job.sent);
            job.sent = sent;
          },
          onResume: (offset) => {
            job.resumedFrom = offset;
            job.sent = offset;
          },
          onSuccess: (fileId) => void completeTus(job, fileId).finally(settle),
          onError: (err) => {
            if (isNameConflict(err)) void askConflict(job);
            else fail(job, err);
            settle();
          },
        },
      );
      tusUploads.set(job.id, upload);
      // Paused or cancelled while the upload was being looked up: no callback will settle it.
      if (job.status !== 'uploading') {
        void upload.abort(job.status === 'cancelled');
        return;
      }
      await done;
    } catch (err) {
      fail(job, err);
    } finally {
      tusUploads.delete(job.id);
      settles.delete(job.id);
    }
  }

  /** The queued small files that can share a request with `first`: same folder, same policy. */
  function batchOf(first: UploadJob): UploadJob[] {
    const companions = jobs.value.filter(
      (job) =>
        job.status === 'queued' &&
        !job.resumable &&
        job.destinationId === first.destinationId &&
        job.conflict === first.conflict,
    );
    return splitBatches(companions, BATCH_LIMITS)[0] ?? [first];
  }

  function tick(): void {
    const now = performance.now();
    totalMeter.add(transferred, now);
    speed.value = totalMeter.rate();
    for (const job of jobs.value) {
      if (job.status !== 'uploading') {
        meters.delete(job.id);
        continue;
      }
      let meter = meters.get(job.id);
      if (!meter) meters.set(job.id, (meter = new RateMeter()));
      meter.add(job.sent, now);
      job.speed = meter.rate();
    }
  }

  /** Everything sent: read again the folders that grew, and forget answers given "for all". */
  function idle(): void {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
    speed.value = 0;
    totalMeter.reset();
    if (jobs.value.some((job) => job.status === 'conflict')) return;
    resolver.reset();
    for (const folder of staleFolders) {
      void folder
        .then(getItem)
        .then((item) => useFolderStore().upsert(item))
        .catch(() => undefined);
    }
    staleFolders.clear();
  }

  function pump(): void {
    while (active < MAX_ACTIVE) {
      const next = jobs.value.find((job) => job.status === 'queued');
      if (!next) break;
      active++;
      ticker ??= setInterval(tick, 1000);
      const task = next.resumable ? runTus(next) : runBatch(batchOf(next));
      void task.finally(() => {
        active--;
        pump();
      });
    }
    if (active === 0) idle();
  }

  function pause(job: UploadJob): void {
    if (job.status === 'queued') setStatus(job, 'paused');
    else if (job.status === 'uploading' && job.resumable) {
      setStatus(job, 'paused');
      void tusUploads.get(job.id)?.abort();
      settles.get(job.id)?.();
    }
  }

  function resume(job: UploadJob): void {
    if (job.status !== 'paused') return;
    setStatus(job, 'queued');
    pump();
  }

  /** Stops an upload and discards what the server holds of it. */
  function cancel(job: UploadJob): void {
    if (job.status === 'uploading' && !job.resumable) return;
    const handle = tusUploads.get(job.id);
    setStatus(job, 'cancelled');
    if (handle) {
      void handle.abort(true).catch(() => undefined);
      settles.get(job.id)?.();
    } else if (job.resumable) {
      void forgetTusUpload(fingerprintOf(job));
    }
  }

  function retry(job: UploadJob): void {
    if (job.status !== 'failed') return;
    quotaFull.value = '';
    setStatus(job, 'queued');
    pump();
  }

  function retryFailed(): void {
    quotaFull.value = '';
    for (const job of failed.value) setStatus(job, 'queued');
    pump();
  }

  function pauseAll(): void {
    for (const job of [...running.value]) pause(job);
  }

  function resumeAll(): void {
    for (const job of paused.value) setStatus(job, 'queued');
    pump();
  }

  function clearFinished(): void {
    jobs.value = jobs.value.filter((job) => !FINISHED.includes(job.status));
    problems.value = [];
    quotaFull.value = '';
  }

  return {
    jobs,
    conflict,
    problems,
    quotaFull,
    speed,
    totalBytes,
    sentBytes,
    timeLeft,
    busy,
    running,
    interrupted,
    failed,
    paused,
    finished,
    restore,
    resumeWith,
    add,
    pause,
    resume,
    cancel,
    retry,
    retryFailed,
    pauseAll,
    resumeAll,
    clearFinished,
  };
});
