import type { TusCallbacks, TusTarget } from '../api/uploads';
import type { TusHandle, UploadTransport } from './transport';

/**
 * One tus upload of one job, from its start until it succeeds, fails or is stopped. A stop can come
 * while tus is still looking for an earlier upload to resume: the handle then arrives afterwards and
 * is stopped as soon as it does. `done` settles when the upload is over for this run of the job.
 */
export class TusSession {
  readonly done: Promise<void>;
  private settle!: () => void;
  private handle: TusHandle | null = null;
  /** How the session was stopped: paused (the server keeps what it has) or cancelled (it discards it). */
  private stopped: 'pause' | 'cancel' | null = null;

  constructor() {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  /** Whether a handle was ever obtained (a cancelled upload without one is forgotten by fingerprint). */
  get started(): boolean {
    return this.handle !== null;
  }

  /** `onSuccess` may return a promise: the session settles once it has. */
  async start(
    transport: UploadTransport,
    file: File,
    target: TusTarget,
    on: Omit<TusCallbacks, 'onSuccess'> & { onSuccess(fileId: string | null): Promise<void> },
  ): Promise<void> {
    const handle = await transport.startTus(file, target, {
      onProgress: on.onProgress,
      onResume: on.onResume,
      onSuccess: (fileId) => void on.onSuccess(fileId).finally(this.settle),
      onError: (err) => {
        on.onError(err);
        this.settle();
      },
    });
    if (this.stopped) {
      void handle.abort(this.stopped === 'cancel').catch(() => undefined);
      return;
    }
    this.handle = handle;
  }

  /** Pause (`discard` false) or cancel the upload; settles `done`. */
  stop(discard: boolean): void {
    this.stopped = discard ? 'cancel' : 'pause';
    if (this.handle) void this.handle.abort(discard).catch(() => undefined);
    this.settle();
  }
}
