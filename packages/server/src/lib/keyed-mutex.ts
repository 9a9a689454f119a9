import type { KeyedLock } from './keyed-lock.js';

/** A hold in this process is never lost. */
const NEVER = new AbortController().signal;

/**
 * One holder per key at a time, in this process. A resumable upload's PATCH and HEAD take it, so a
 * client that reconnects while its old request is still being wound up sees the final offset.
 */
export class KeyedMutex implements KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: (held: AbortSignal) => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn(NEVER);
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
