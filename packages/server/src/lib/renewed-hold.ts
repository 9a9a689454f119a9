/** A hold (a job lease, a shared lock) kept while work runs: `signal` aborts when it is lost. */
export interface RenewedHold {
  signal: AbortSignal;
  /** Stops renewing (the work is over). */
  release(): void;
}

export class HoldLostError extends Error {}

/**
 * Renews a hold of `lengthMs` every third of its length, so it is lost only when its holder died or
 * could not renew for two thirds of it (the store away, the process frozen). `renew` resolves false
 * when the hold has passed to someone else; then, or when no renewal succeeded before the hold would
 * run out, `signal` aborts with a HoldLostError saying `what` was lost.
 */
export function renewHold(
  lengthMs: number,
  renew: () => Promise<boolean>,
  what: string,
  onError: (err: unknown) => void = () => undefined,
): RenewedHold {
  const lost = new AbortController();
  const everyMs = Math.max(1, Math.floor(lengthMs / 3));
  let heldUntil = Date.now() + lengthMs;
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    const at = Date.now();
    renew()
      .then((renewed) => {
        if (renewed) heldUntil = at + lengthMs;
        else lost.abort(new HoldLostError(`${what} passed to another holder`));
      })
      .catch((err: unknown) => {
        onError(err);
        if (Date.now() + everyMs >= heldUntil)
          lost.abort(new HoldLostError(`${what} could not be renewed in time`));
      })
      .finally(() => (renewing = false));
  }, everyMs);
  timer.unref();
  return { signal: lost.signal, release: () => clearInterval(timer) };
}
