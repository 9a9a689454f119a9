import { defineStore } from 'pinia';
import { computed, reactive, shallowRef } from 'vue';
import { getItem } from '../api/items';
import { ensureFolder, forgetTusUpload, sendBatch, startTusUpload } from '../api/uploads';
import { i18n } from '../i18n';
import type { ConflictAnswer } from '../uploads/conflicts';
import { droppedEntries, pickedFromDrop } from '../uploads/entries';
import { isCounted, isFinished, isRunning, type Destination, type UploadJob } from '../uploads/job';
import { UploadQueue } from '../uploads/queue';
import { secondsLeft } from '../uploads/rate';
import { useFolderStore } from './folder';

/** A name conflict the user is being asked about (the conflict dialog shows it). */
export interface PendingConflict {
  /** Tells one question from the next (two files of one name may conflict in a row). */
  id: number;
  name: string;
  /** Further conflicts waiting behind this one. */
  waiting: number;
  answer(answer: ConflictAnswer): void;
}

/**
 * The upload queue (`uploads/queue.ts`) for the page: its state made reactive, the totals the panel
 * shows, and the conflict question the dialog asks.
 */
export const useUploadsStore = defineStore('uploads', () => {
  const conflict = shallowRef<PendingConflict | null>(null);
  let questions = 0;

  const queue = new UploadQueue({
    transport: {
      ensureFolder,
      getItem,
      sendBatch,
      startTus: startTusUpload,
      forgetTus: forgetTusUpload,
    },
    storage: localStorage,
    askConflict: (name, waiting) =>
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
    onItem: (item) => useFolderStore().upsert(item),
    notStored: () => i18n.global.t('uploads.job.notStored'),
    observe: (value) => reactive(value) as typeof value,
  });
  const state = queue.state;

  const jobs = computed((): readonly UploadJob[] => state.jobs);
  const problems = computed(() => state.problems);
  const speed = computed(() => state.speed);
  const counted = computed(() => state.jobs.filter(isCounted));
  const totalBytes = computed(() => counted.value.reduce((sum, job) => sum + job.size, 0));
  const sentBytes = computed(() => counted.value.reduce((sum, job) => sum + job.sent, 0));
  const running = computed(() => state.jobs.filter(isRunning));
  const interrupted = computed(() => state.jobs.filter((job) => job.status === 'interrupted'));
  const failed = computed(() => state.jobs.filter((job) => job.status === 'failed'));
  const paused = computed(() => state.jobs.filter((job) => job.status === 'paused'));
  const finished = computed(() => state.jobs.filter(isFinished));
  /** Something is on its way to the server: leaving the page would cut it. */
  const busy = computed(() => running.value.length > 0);
  const timeLeft = computed(() => {
    const remaining = running.value.reduce((sum, job) => sum + job.size - job.sent, 0);
    return secondsLeft(remaining, state.speed);
  });

  /**
   * Queues what was dropped from the desktop into `to`. Call it while the drop event runs: the
   * browser empties the DataTransfer once the handler returns.
   */
  function addDropped(data: DataTransfer, to: Destination): void {
    pickedFromDrop(droppedEntries(data))
      .then((picked) => queue.add(picked, to))
      .catch((err: unknown) => queue.report(to.name, err));
  }

  return {
    jobs,
    conflict,
    problems,
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
    restore: queue.restore.bind(queue),
    resumeWith: queue.resumeWith.bind(queue),
    add: queue.add.bind(queue),
    addDropped,
    report: queue.report.bind(queue),
    pause: queue.pause.bind(queue),
    resume: queue.resume.bind(queue),
    cancel: queue.cancel.bind(queue),
    retry: queue.retry.bind(queue),
    retryFailed: queue.retryFailed.bind(queue),
    pauseAll: queue.pauseAll.bind(queue),
    resumeAll: queue.resumeAll.bind(queue),
    clearFinished: queue.clearFinished.bind(queue),
  };
});
