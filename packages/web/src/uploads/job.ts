import { baseName, isSmall } from './plan';
import type { UploadRecord } from './records';

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

/** One file of the queue, as the upload panel shows it. */
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

/** A folder uploads go into. */
export interface Destination {
  id: string;
  name: string;
}

/** Still to be sent, or to be decided about: remembered across a reload. */
const UNFINISHED: readonly UploadStatus[] = [
  'queued',
  'uploading',
  'paused',
  'conflict',
  'failed',
  'interrupted',
];
const FINISHED: readonly UploadStatus[] = ['done', 'cancelled', 'skipped'];

export function isUnfinished(job: UploadJob): boolean {
  return UNFINISHED.includes(job.status);
}

export function isFinished(job: UploadJob): boolean {
  return FINISHED.includes(job.status);
}

/** Jobs the totals count: not those dropped (cancelled, skipped) or waiting for their file. */
export function isCounted(job: UploadJob): boolean {
  return job.status !== 'cancelled' && job.status !== 'skipped' && job.status !== 'interrupted';
}

/** On its way, or about to be: leaving the page would cut it. */
export function isRunning(job: UploadJob): boolean {
  return job.status === 'queued' || job.status === 'uploading' || job.status === 'conflict';
}

let lastId = 0;
/** Unique within the page and across reloads (crypto.randomUUID needs https, which a LAN setup may lack). */
function newId(): string {
  return `${Date.now().toString(36)}-${(lastId++).toString(36)}`;
}

function fromRecord(record: UploadRecord, status: UploadStatus): UploadJob {
  return {
    ...record,
    name: baseName(record.path),
    status,
    sent: 0,
    speed: 0,
    resumedFrom: null,
    error: '',
    resumable: !isSmall(record.size),
  };
}

/** A file just picked, queued for `destination` under its relative `path`. */
export function newJob(
  file: { size: number; lastModified: number },
  path: string,
  destination: Destination,
): UploadJob {
  return fromRecord(
    {
      id: newId(),
      path,
      destinationId: destination.id,
      destinationName: destination.name,
      size: file.size,
      lastModified: file.lastModified,
      conflict: 'fail',
    },
    'queued',
  );
}

/** A job remembered from before a reload, waiting for its file. */
export function interruptedJob(record: UploadRecord): UploadJob {
  return fromRecord(record, 'interrupted');
}

/** What is remembered of a job across a reload. */
export function recordOf(job: UploadJob): UploadRecord {
  return {
    id: job.id,
    path: job.path,
    destinationId: job.destinationId,
    destinationName: job.destinationName,
    size: job.size,
    lastModified: job.lastModified,
    conflict: job.conflict,
  };
}
