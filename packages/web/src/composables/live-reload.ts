import type { DriveEvent } from '@idrive/shared';
import { onBeforeUnmount } from 'vue';
import { useLiveStore } from '../stores/live';

/** How long a burst of events (a folder uploaded elsewhere) is waited out before one reload. */
const SETTLE_MS = 300;

/**
 * Reloads a view's list when a live event may have changed it (in another tab or on another device),
 * once per burst; a `resync` always counts. Stops when the view's component unmounts.
 */
export function reloadOnLiveEvents(matters: (event: DriveEvent) => boolean, reload: () => void): void {
  const live = useLiveStore();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = live.subscribe((event) => {
    if (event.type !== 'resync' && !matters(event)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, SETTLE_MS);
  });
  onBeforeUnmount(() => {
    unsubscribe();
    clearTimeout(timer);
  });
}
