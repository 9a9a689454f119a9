/** One holder per key at a time: in this process, or among every instance sharing a Redis. */
export interface KeyedLock {
  /**
   * Runs `fn` as the only holder of `key`. `held` aborts when the hold is lost while `fn` runs (a
   * shared lock that could not be renewed); what `fn` does after that may clash with the next holder.
   */
  run<T>(key: string, fn: (held: AbortSignal) => Promise<T>): Promise<T>;
}
