import { LIST_LIMIT_MAX, type Item, type ItemDetails, type Listing } from '@idrive/shared';
import type { ApiClient } from './api-client.js';
import { notFound, usageError } from './exit-codes.js';

/** `/Photos/2024/` → `['Photos', '2024']`; a leading `:` (which marks a remote path for sync) is allowed. */
export function splitRemote(remote: string): string[] {
  const clean = remote.startsWith(':') ? remote.slice(1) : remote;
  const parts = clean.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw usageError(`"${remote}": ".." is not allowed in a remote path`);
  return parts;
}

export function joinRemote(...parts: string[]): string {
  return (
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter((p) => p !== '')
      .join('/')
  );
}

/**
 * Resolves `/Photos/2024` one name at a time through folder listings. Listings are kept for the
 * life of the command, and updated as it creates folders, so a large upload lists each folder once.
 */
export class RemotePaths {
  private root: ItemDetails | undefined;
  private readonly children = new Map<string, Item[]>();

  constructor(private readonly api: ApiClient) {}

  async rootFolder(): Promise<ItemDetails> {
    if (!this.root) {
      const listing = await this.api.get<Listing>('/folders/root', { limit: LIST_LIMIT_MAX });
      this.root = listing.folder;
      if (listing.total <= listing.items.length) this.children.set(listing.folder.id, listing.items);
    }
    return this.root;
  }

  /** Every item in a folder (all pages). */
  async list(folderId: string): Promise<Item[]> {
    const known = this.children.get(folderId);
    if (known) return known;
    const items: Item[] = [];
    for (;;) {
      const page = await this.api.get<Listing>(`/folders/${folderId}/children`, {
        offset: items.length,
        limit: LIST_LIMIT_MAX,
      });
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= page.total) break;
    }
    this.children.set(folderId, items);
    return items;
  }

  async child(folderId: string, name: string): Promise<Item | undefined> {
    return (await this.list(folderId)).find((i) => i.name === name);
  }

  /** The item at a path, or null when some part of it does not exist. */
  async find(remote: string): Promise<Item | null> {
    let current: Item = await this.rootFolder();
    for (const name of splitRemote(remote)) {
      if (current.type !== 'folder') return null;
      const next = await this.child(current.id, name);
      if (!next) return null;
      current = next;
    }
    return current;
  }

  async resolve(remote: string): Promise<Item> {
    const found = await this.find(remote);
    if (!found) throw notFound(`No such file or folder: ${joinRemote(remote)}`);
    return found;
  }

  async folder(remote: string): Promise<Item> {
    const found = await this.resolve(remote);
    if (found.type !== 'folder') throw usageError(`${joinRemote(remote)} is a file, not a folder`);
    return found;
  }

  /** The folder at a path, created (with its parents) where missing. */
  async ensureFolder(remote: string): Promise<Item> {
    let current: Item = await this.rootFolder();
    for (const name of splitRemote(remote)) current = await this.ensureChild(current.id, name);
    return current;
  }

  async ensureChild(parentId: string, name: string): Promise<Item> {
    const existing = await this.child(parentId, name);
    if (existing) {
      if (existing.type !== 'folder') throw usageError(`"${name}" exists and is a file, not a folder`);
      return existing;
    }
    // `reuse`: a folder someone else made meanwhile is taken as it is, not a conflict.
    const folder = await this.api.json<Item>('POST', '/folders', { parentId, name, reuse: true });
    this.remember(parentId, folder);
    return folder;
  }

  /** Records an item this command created or replaced, so later look-ups see it. */
  remember(parentId: string, item: Item): void {
    const list = this.children.get(parentId);
    if (!list) return;
    const index = list.findIndex((i) => i.name === item.name);
    if (index === -1) list.push(item);
    else list[index] = item;
  }
}
