import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';

/** Anything with an id, listed in display order. */
interface Entry {
  id: string;
}

/**
 * Which entries of the open listing are selected, and the anchor Shift ranges start from. Callers pass
 * the listing in display order, so the same store serves the folder browser and the trash.
 */
export const useSelectionStore = defineStore('selection', () => {
  const ids = shallowRef<ReadonlySet<string>>(new Set());
  const anchor = shallowRef<string | null>(null);
  /** Touch selection mode (entered by a long press on a phone): a tap toggles instead of opening. */
  const touchMode = shallowRef(false);
  const count = computed(() => ids.value.size);

  function has(id: string): boolean {
    return ids.value.has(id);
  }

  /** A plain click: just this one. */
  function only(id: string): void {
    ids.value = new Set([id]);
    anchor.value = id;
  }

  /** Ctrl/Cmd+click or a tap in touch mode. */
  function toggle(id: string): void {
    const next = new Set(ids.value);
    if (!next.delete(id)) next.add(id);
    ids.value = next;
    anchor.value = id;
    if (next.size === 0) touchMode.value = false;
  }

  /**
   * Shift+click: everything from the anchor to `id` in display order; with `add` (Ctrl+Shift) on top
   * of what was selected. Without an anchor (or when it is gone) the range starts at `id`.
   */
  function range(id: string, entries: readonly Entry[], add = false): void {
    const to = entries.findIndex((entry) => entry.id === id);
    if (to === -1) return;
    let from = anchor.value === null ? -1 : entries.findIndex((entry) => entry.id === anchor.value);
    if (from === -1) {
      from = to;
      anchor.value = id;
    }
    const [low, high] = from <= to ? [from, to] : [to, from];
    const next = new Set(add ? ids.value : []);
    for (let i = low; i <= high; i++) next.add(entries[i]!.id);
    ids.value = next;
  }

  function selectAll(entries: readonly Entry[]): void {
    ids.value = new Set(entries.map((entry) => entry.id));
  }

  function clear(): void {
    ids.value = new Set();
    anchor.value = null;
    touchMode.value = false;
  }

  /** Forget ids no longer listed (moved away, trashed, another folder opened). */
  function prune(entries: readonly Entry[]): void {
    if (ids.value.size === 0) return;
    const listed = new Set(entries.map((entry) => entry.id));
    const kept = [...ids.value].filter((id) => listed.has(id));
    if (kept.length !== ids.value.size) ids.value = new Set(kept);
    if (anchor.value !== null && !listed.has(anchor.value)) anchor.value = null;
    if (kept.length === 0) touchMode.value = false;
  }

  /** A long press: enter touch selection mode with this entry selected. */
  function startTouchMode(id: string): void {
    touchMode.value = true;
    if (!ids.value.has(id)) toggle(id);
  }

  /** The selected entries, in display order. */
  function pick<T extends Entry>(entries: readonly T[]): T[] {
    if (ids.value.size === 0) return [];
    return entries.filter((entry) => ids.value.has(entry.id));
  }

  return {
    ids,
    anchor,
    touchMode,
    count,
    has,
    only,
    toggle,
    range,
    selectAll,
    clear,
    prune,
    startTouchMode,
    pick,
  };
});
