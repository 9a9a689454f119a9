/** A chunk waiting for its message. */
export interface QueuedPut {
  filename: string;
  data: Buffer;
  resolve: (locator: string) => void;
  reject: (err: Error) => void;
}

/** A promise that another chunk is on its way; `done()` once it was put, or will not be. */
export interface IncomingChunk {
  done(): void;
}

export interface BatcherOptions {
  /** Most attachments, and most attachment bytes, one message takes. */
  maxCount: number;
  maxBytes: number;
  /** The size of most chunks: a message without room for one more is full. */
  typicalBytes: number;
  /** Messages being sent at once. */
  messagesInFlight: number;
  /**
   * How long a partial message may keep a free slot waiting for chunks that were promised. A
   * promise can be broken (a client that stops sending), so the wait has an end.
   */
  lingerMs: number;
  /** Milliseconds until Discord takes another message from us (0: a webhook is free now). */
  slotWait: () => Promise<number>;
  send: (batch: QueuedPut[]) => Promise<void>;
}

/**
 * Gathers chunks into messages. Discord's budget is messages per channel, not bytes, so a message
 * should carry as many chunks as fit. A partial message waits for company for free while no webhook
 * could take it anyway; once one could, it waits only for chunks already promised (being sealed, or
 * the rest of a file whose bytes are arriving), and at most `lingerMs`. Otherwise it goes at once:
 * a file's last chunk never waits.
 */
export class MessageBatcher {
  private readonly queue: QueuedPut[] = [];
  private sending = 0;
  private promised = 0;
  /** When a slot was first seen free while a partial message waited for promised chunks. */
  private freeSince: number | undefined;
  private drainScheduled = false;
  /** A drain is between its question to the scheduler and its answer; another waits its turn. */
  private draining = false;
  private drainAgain = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BatcherOptions) {}

  add(put: QueuedPut): void {
    this.queue.push(put);
    this.scheduleDrain();
  }

  incoming(): IncomingChunk {
    this.promised++;
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.promised--;
        this.scheduleDrain();
      },
    };
  }

  /** Drains on the next turn, so that puts made together are seen together. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        await this.drainOnce();
      } while (this.drainAgain);
    } finally {
      this.draining = false;
    }
  }

  private async drainOnce(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && this.sending < this.options.messagesInFlight) {
      if (!this.fillsMessage()) {
        const wait = await this.slotWait();
        if (wait > 0) {
          // No webhook could take the message before then: it may as well gather company meanwhile.
          this.freeSince = undefined;
          return this.retryIn(wait);
        }
        const now = Date.now();
        this.freeSince ??= now;
        const waited = now - this.freeSince;
        if (this.promised > 0 && waited < this.options.lingerMs)
          return this.retryIn(this.options.lingerMs - waited);
      }
      this.freeSince = undefined;
      const batch = this.takeBatch();
      this.sending++;
      void this.options.send(batch).finally(() => {
        this.sending--;
        this.scheduleDrain();
      });
    }
  }

  /** When the limits cannot be read (Redis away), the message goes, and sending reports why. */
  private async slotWait(): Promise<number> {
    try {
      return await this.options.slotWait();
    } catch {
      return 0;
    }
  }

  private retryIn(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scheduleDrain();
    }, ms);
  }

  /** Whether the queued chunks fill a message (no room for a chunk of the usual size), so waiting gains nothing. */
  private fillsMessage(): boolean {
    const { maxCount, maxBytes, typicalBytes } = this.options;
    let bytes = 0;
    for (let i = 0; i < this.queue.length; i++) {
      bytes += this.queue[i]!.data.length;
      if (i + 1 >= maxCount || bytes > maxBytes) return true;
    }
    return bytes + typicalBytes > maxBytes;
  }

  private takeBatch(): QueuedPut[] {
    const batch = [this.queue.shift()!];
    let bytes = batch[0]!.data.length;
    while (
      this.queue.length > 0 &&
      batch.length < this.options.maxCount &&
      bytes + this.queue[0]!.data.length <= this.options.maxBytes
    ) {
      bytes += this.queue[0]!.data.length;
      batch.push(this.queue.shift()!);
    }
    return batch;
  }
}
