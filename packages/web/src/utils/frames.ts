/** Longest wait for a frame: a hidden tab paints none, and what waits for one must still go on. */
const FRAME_WAIT_MAX_MS = 100;

/** Resolves once the browser has painted what changed so far (or the tab is hidden and never will). */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FRAME_WAIT_MAX_MS);
    // A frame's callbacks run before its paint; a task queued from them runs after it.
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}
