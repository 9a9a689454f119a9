import type { Item } from '@idrive/shared';
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';

/**
 * The details side panel: which item it shows, or none when it is closed. The view that opens it
 * says what to show (the selection, the folder) and closes it when it goes; the panel fetches the rest.
 */
export const useDetailsStore = defineStore('details', () => {
  const item = shallowRef<Item | null>(null);
  const open = computed(() => item.value !== null);

  /** Opens the panel on `next`, or moves an open one to it. */
  function show(next: Item): void {
    item.value = next;
  }

  function close(): void {
    item.value = null;
  }

  /** The `i` key and the toolbar button: closes an open panel, else opens it on `next`. */
  function toggle(next: Item | null): void {
    if (item.value) close();
    else if (next) show(next);
  }

  /**
   * While open, follows what the view now points at (another selection, a newer copy of the same
   * item); a closed panel stays closed.
   */
  function follow(next: Item | null): void {
    if (item.value && next) item.value = next;
  }

  /**
   * A newer copy of an item seen elsewhere (a rename, a save, a star): the panel shows it if it is
   * the one shown. Live events leave out the user's star, so the known one is kept then.
   */
  function update(changed: Item): void {
    const shown = item.value;
    if (shown?.id !== changed.id) return;
    item.value = { ...shown, ...changed, starred: changed.starred ?? shown.starred };
  }

  /** Items that went away (to the trash, or for good): the panel closes if it showed one of them. */
  function forget(ids: readonly string[]): void {
    if (item.value && ids.includes(item.value.id)) close();
  }

  return { item, open, show, close, toggle, follow, update, forget };
});
