import type { Item } from '@idrive/shared';
import { computed, inject, provide, shallowRef, type InjectionKey } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute, useRouter } from 'vue-router';
import { createEmptyFile, createFolder } from '../api/folders';
import { errorMessage } from '../api/http';
import { copyItems, moveItem, renameItem, trashItems } from '../api/items';
import { starItems, unstarItems } from '../api/starred-recent';
import { restoreItems } from '../api/trash';
import type { ListSelection } from '../components/list/types';
import { useDialogsStore, type LockMode } from '../stores/dialogs';
import { useDownloadsStore } from '../stores/downloads';
import { useFolderStore } from '../stores/folder';
import { useSelectionStore } from '../stores/selection';
import { roleOver, type AccessRole } from '../utils/item-access';
import { locationOf } from '../utils/item-location';
import { folderPath } from '../utils/location';

/** The browser's own dialogs (sharing and locks go through the app-wide dialog store). */
export type BrowserDialog =
  | { kind: 'rename'; item: Item }
  | { kind: 'new-folder' }
  | { kind: 'new-file' }
  | { kind: 'move' | 'copy'; items: Item[] }
  | { kind: 'tags'; items: Item[] }
  | { kind: 'versions'; item: Item };

/** A short message after an action, with an undo where one makes sense. */
export interface Notice {
  text: string;
  error?: boolean;
  undo?: () => void;
}

/** A folder items can be moved or copied into. */
export interface Destination {
  id: string;
  name: string;
}

/** Where actions show what they changed: the open folder, or a list of results. */
export interface ActionTarget {
  /** An item changed, arrived or came back (a rename, a move, a copy, a restore). */
  upsert(item: Item): void;
  remove(ids: readonly string[]): void;
  setStarred(ids: readonly string[], starred: boolean): void;
}

export interface ItemActionsOptions {
  /** The open folder unless given. */
  target?: ActionTarget;
  /** The selection store unless given. */
  selection?: ListSelection;
  /** A file opens in the preview over its own folder rather than over this page (results). */
  openFilesInFolder?: boolean;
}

/**
 * Everything the browser can do to items, shared by the context menu, the selection bar, the
 * keyboard, drag and drop, "New" and the details panel. Created by the app's shell for the open
 * folder, and by a view that lists other things (results) for those, and injected below them; the
 * dialogs it asks for are the views'.
 */
export function createItemActions(options: ItemActionsOptions = {}) {
  const { t } = useI18n();
  const route = useRoute();
  const router = useRouter();
  const folder = useFolderStore();
  const target = options.target ?? folder;
  const selection = options.selection ?? useSelectionStore();
  const dialogs = useDialogsStore();
  const downloads = useDownloadsStore();
  const dialog = shallowRef<BrowserDialog | null>(null);
  const notice = shallowRef<Notice | null>(null);

  function fail(err: unknown): void {
    notice.value = { text: errorMessage(err), error: true };
  }

  function open(item: Item): void {
    if (item.type === 'folder') {
      void router.push(folderPath(item.id));
      return;
    }
    const home = options.openFilesInFolder ? locationOf(item, { home: '', sharedWithMe: '' }) : null;
    // The preview overlay renders itself from the query, so Back closes it.
    void router.push(
      home ? { path: home.to, query: { preview: item.id } } : { query: { ...route.query, preview: item.id } },
    );
  }

  function download(items: Item[]): void {
    const [first] = items;
    if (!first) return;
    if (items.length > 1) downloads.downloadSelection(items.map((item) => item.id));
    else if (first.type === 'folder') downloads.downloadFolder(first.id);
    else downloads.downloadFile(first.id);
  }

  async function rename(item: Item, name: string): Promise<void> {
    target.upsert(await renameItem(item.id, name));
  }

  /** One request per item; stops at the first failure and reports how far it got. */
  async function moveInto(items: Item[], to: Destination): Promise<void> {
    const moving = items.filter((item) => item.id !== to.id && item.parentId !== to.id);
    if (moving.length === 0) return;
    try {
      for (const item of moving) target.upsert(await moveItem(item.id, to.id));
      notice.value = {
        text: t('browser.notices.moved', { n: moving.length, folder: to.name }, moving.length),
      };
    } catch (err) {
      fail(err);
    }
  }

  async function copyInto(items: Item[], to: Destination): Promise<void> {
    try {
      const copies = await copyItems(
        items.map((item) => item.id),
        to.id,
      );
      for (const copy of copies) target.upsert(copy);
      notice.value = {
        text: t('browser.notices.copied', { n: copies.length, folder: to.name }, copies.length),
      };
    } catch (err) {
      fail(err);
    }
  }

  async function trash(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const ids = items.map((item) => item.id);
    try {
      await trashItems(ids);
    } catch (err) {
      fail(err);
      return;
    }
    target.remove(ids);
    notice.value = {
      text: t('browser.notices.trashed', { n: ids.length }, ids.length),
      // What is trashed in a folder shared with the user goes to its owner's trash, not theirs.
      ...(roleOver(items, role.value) === 'owner' ? { undo: () => void restore(ids) } : {}),
    };
  }

  async function restore(ids: string[]): Promise<void> {
    try {
      for (const item of await restoreItems(ids)) target.upsert(item);
      notice.value = { text: t('browser.notices.restored', { n: ids.length }, ids.length) };
    } catch (err) {
      fail(err);
    }
  }

  /** Stars them all, or takes the stars off when every one has one (as `s` and the menu do). */
  async function toggleStar(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const ids = items.map((item) => item.id);
    const starred = !items.every((item) => item.starred);
    try {
      await (starred ? starItems(ids) : unstarItems(ids));
    } catch (err) {
      fail(err);
      return;
    }
    target.setStarred(ids, starred);
    notice.value = {
      text: t(
        starred ? 'browser.notices.starred' : 'browser.notices.unstarred',
        { n: ids.length },
        ids.length,
      ),
    };
  }

  async function lock(item: Item, mode?: LockMode): Promise<void> {
    await dialogs.open({ kind: 'lock', folder: item, mode });
  }

  function people(item: Item): void {
    void dialogs.open({ kind: 'people', item });
  }

  function share(item: Item): void {
    void dialogs.open({ kind: 'share', item });
  }

  async function newFolder(name: string): Promise<void> {
    if (!folder.folder) return;
    const created = await createFolder(folder.folder.id, name);
    folder.upsert(created);
    selection.only(created.id);
  }

  /** An empty text file, opened straight away in the editor. */
  async function newTextFile(name: string): Promise<void> {
    if (!folder.folder) return;
    const created = await createEmptyFile(folder.folder.id, name);
    folder.upsert(created);
    selection.only(created.id);
    open(created);
  }

  /**
   * What the user is to the open folder and what is in it: its owner, or what a share makes them
   * (a grantee's own shares on what is inside are not told apart here; the server decides). Results
   * are from anywhere, so there each item's own mark says (see `roleOver`).
   */
  const role = computed<AccessRole>(() =>
    options.target ? 'owner' : (folder.folder?.shared?.role ?? 'owner'),
  );

  return {
    dialog,
    notice,
    role,
    open,
    download,
    rename,
    moveInto,
    copyInto,
    trash,
    toggleStar,
    lock,
    share,
    people,
    newFolder,
    newTextFile,
  };
}

export type ItemActions = ReturnType<typeof createItemActions>;

const key: InjectionKey<ItemActions> = Symbol('item-actions');

export function provideItemActions(actions: ItemActions): void {
  provide(key, actions);
}

export function useItemActions(): ItemActions {
  const actions = inject(key);
  if (!actions) throw new Error('useItemActions needs createItemActions in a parent component');
  return actions;
}
