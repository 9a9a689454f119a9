import type { Item } from '@idrive/shared';
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';

/**
 * Dialogs any view may ask for. The view says what it wants (share this item, unlock that folder);
 * the dialog host renders the right dialog and resolves the request when it closes, with `true` when
 * the user went through with it (e.g. the folder is now unlocked) and `false` when they cancelled.
 */
export type LockMode = 'lock' | 'change' | 'remove';

export type DialogRequest =
  | { kind: 'share'; item: Item }
  /** Who has access to one of the user's items (other users it is shared with). */
  | { kind: 'people'; item: Item }
  /** Lock an open folder; for a locked one, `change` its password (the default) or `remove` the lock. */
  | { kind: 'lock'; folder: Item; mode?: LockMode }
  | { kind: 'unlock'; folderId: string; name: string };

interface OpenDialog {
  request: DialogRequest;
  resolve: (done: boolean) => void;
}

export const useDialogsStore = defineStore('dialogs', () => {
  const current = shallowRef<OpenDialog | null>(null);

  function open(request: DialogRequest): Promise<boolean> {
    current.value?.resolve(false);
    return new Promise((resolve) => {
      current.value = { request, resolve };
    });
  }

  function close(done: boolean): void {
    const dialog = current.value;
    current.value = null;
    dialog?.resolve(done);
  }

  return { current, open, close };
});
