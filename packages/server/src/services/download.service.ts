import type { DownloadKind, DownloadProgressEvent, DownloadState } from '@idrive/shared';
import type { EventBus } from '../events/event-bus.js';
import { sessionTopic } from '../events/topics.js';
import { notFound } from '../lib/app-error.js';
import { Pacer } from '../lib/pacer.js';
import type { DownloadHold, DownloadRegistry } from './download-registry.js';

/** Who started a download: the user may cancel it, the session's sockets are told how it goes. */
export interface DownloadOwner {
  userId: string;
  sessionId: string;
}

/** What is being sent, once it is known (a zip's after it is planned). */
export interface DownloadDescription {
  name: string;
  totalBytes: number;
  /** A zip's entries: how many, and how many lie wholly before a byte offset of the archive. */
  entries?: { total: number; before(offset: number): number };
}

export type DownloadError = NonNullable<DownloadProgressEvent['error']>;
type Figures = Omit<DownloadProgressEvent, 'type' | 'id' | 'at' | 'downloadId' | 'kind'>;

/** How a response ended: every byte out, cut short (the client went, or a cancel), or failed. */
export type ResponseEnd = 'whole' | 'cut' | 'failed';

const DISCONNECTED: DownloadError = {
  code: 'disconnected',
  message: 'The connection closed before the end',
};

/** "A few times a second at most", per download. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Downloads a page follows: how far each response has got goes to the live events of the session
 * that started it, and the user can cancel one by its id, on whichever instance it is sent from.
 * Events go to the session rather than to the user: another device of the same user may have a
 * locked folder closed that this session opened, and a download's name would tell it what is inside.
 */
export class DownloadService {
  constructor(
    private readonly bus: EventBus,
    private readonly registry: DownloadRegistry,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts following a response; null when the user cancelled this download (it must not start again). */
  async begin(owner: DownloadOwner, downloadId: string, kind: DownloadKind): Promise<TrackedDownload | null> {
    const cancel = new AbortController();
    const hold = await this.registry.hold(keyOf(owner.userId, downloadId), () => cancel.abort());
    if (!hold) return null;
    const publish = this.publisher(owner, downloadId, kind);
    return new TrackedDownload(publish, hold, cancel.signal, this.intervalMs, this.now);
  }

  /** A download refused before it began (by the access checks, say): the session hears it failed. */
  refused(owner: DownloadOwner, downloadId: string, kind: DownloadKind, error: DownloadError): void {
    this.publisher(owner, downloadId, kind)({ ...EMPTY, state: 'failed', error }, { final: true });
  }

  /** Ends the user's download wherever it is sent from; 404 when none of theirs has this id. */
  async cancel(userId: string, downloadId: string): Promise<void> {
    if (!(await this.registry.cancel(keyOf(userId, downloadId)))) throw notFound('Download');
  }

  private publisher(owner: DownloadOwner, downloadId: string, kind: DownloadKind): Publish {
    return (figures, { final }) =>
      this.bus.publish(
        [sessionTopic(owner.sessionId)],
        { type: 'download.progress', downloadId, kind, ...figures },
        // The last word is kept for a socket that reconnects; the figures before it only go stale.
        { transient: !final },
      );
  }
}

type Publish = (figures: Figures, options: { final: boolean }) => void;

const EMPTY: Figures = {
  name: null,
  state: 'preparing',
  sentBytes: 0,
  totalBytes: null,
  entriesDone: null,
  entriesTotal: null,
  error: null,
};

/**
 * One followed response. It is announced at once as `preparing`; `describe` and `sending` say what
 * goes out and from where, `sent` counts it, and `ended` (or a cancel) gives the final state, at
 * once. A cancel aborts `signal`, which the response's writer answers by cutting the response.
 */
export class TrackedDownload {
  private description: DownloadDescription | undefined;
  private state: DownloadState = 'preparing';
  private position = 0;
  private over = false;
  private readonly pacer: Pacer<void>;

  constructor(
    private readonly publish: Publish,
    private readonly hold: DownloadHold,
    readonly signal: AbortSignal,
    intervalMs: number,
    now: () => number,
  ) {
    this.pacer = new Pacer(() => this.publish(this.figures(), { final: false }), intervalMs, now);
    signal.addEventListener('abort', () => this.end('cancelled'), { once: true });
    this.pacer.update();
  }

  describe(description: DownloadDescription): void {
    this.description = description;
    this.changed();
  }

  /** The body goes out from byte `start` (past 0 when a download resumes). */
  sending(start: number): void {
    if (this.over) return;
    this.state = 'sending';
    this.position = start;
    this.changed();
  }

  sent(bytes: number): void {
    this.position += bytes;
    this.changed();
  }

  /** `error` is what the client was answered, for a response that failed. */
  ended(how: ResponseEnd, error?: DownloadError): void {
    if (how === 'whole') this.end('done');
    else if (this.signal.aborted) this.end('cancelled');
    else this.end('failed', how === 'cut' ? DISCONNECTED : (error ?? DISCONNECTED));
  }

  /** After the end, what the response still does is nobody's news. */
  private changed(): void {
    if (!this.over) this.pacer.update();
  }

  private end(state: DownloadState, error: DownloadError | null = null): void {
    if (this.over) return;
    this.over = true;
    this.state = state;
    this.pacer.stop();
    this.hold.release();
    this.publish({ ...this.figures(), error }, { final: true });
  }

  private figures(): Figures {
    const d = this.description;
    return {
      name: d?.name ?? null,
      state: this.state,
      sentBytes: this.position,
      totalBytes: d?.totalBytes ?? null,
      entriesDone: d?.entries ? d.entries.before(this.position) : null,
      entriesTotal: d?.entries?.total ?? null,
      error: null,
    };
  }
}

function keyOf(userId: string, downloadId: string): string {
  return `${userId}:${downloadId}`;
}
