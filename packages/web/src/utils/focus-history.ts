/**
 * The last few elements that had focus, newest first. A dialog opened from a menu item must give focus
 * back when it closes, but the menu (and its item) is gone by then: the element focused before it,
 * such as the button that opened the menu, is the next best place.
 */
const DEPTH = 8;
const history: WeakRef<HTMLElement>[] = [];

function remember(event: FocusEvent): void {
  if (!(event.target instanceof HTMLElement)) return;
  const target = event.target;
  const index = history.findIndex((ref) => ref.deref() === target);
  if (index !== -1) history.splice(index, 1);
  history.unshift(new WeakRef(target));
  history.length = Math.min(history.length, DEPTH);
}

// Recording starts when the module loads (the app's dialog host imports it at start-up).
document.addEventListener('focusin', remember, true);

/** The most recently focused element still on the page and not inside `except`. */
export function lastFocused(except: Element | null): HTMLElement | null {
  for (const ref of history) {
    const el = ref.deref();
    if (el?.isConnected && !except?.contains(el)) return el;
  }
  return null;
}
