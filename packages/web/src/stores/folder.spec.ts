import type { ListQuery, Listing, UserItem } from '@idrive/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getListing } from '../api/folders';
import { ApiError } from '../api/http';
import { preloadFolder, useFolderStore } from './folder';

vi.mock('../api/folders', () => ({ getListing: vi.fn() }));

function file(n: number, extra: Partial<UserItem> = {}): UserItem {
  return {
    id: `f${n}`,
    type: 'file',
    name: `file-${String(n).padStart(5, '0')}.txt`,
    parentId: 'folder',
    size: n,
    mimeType: 'text/plain',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    trashedAt: null,
    starred: n % 10 === 0,
    ...extra,
  };
}

const all = Array.from({ length: 25_000 }, (_, i) => file(i));
const folder = {
  ...file(-1),
  id: 'folder',
  type: 'folder' as const,
  name: 'Big',
  parentId: 'root',
  path: [],
  sha256: null,
  starred: true,
};

// `localStorage` for the remembered sort order.
const storage = new Map<string, string>();
vi.stubGlobal('localStorage', {
  getItem: (key: string) => storage.get(key) ?? null,
  setItem: (key: string, value: string) => storage.set(key, value),
});

const limits = () => vi.mocked(getListing).mock.calls.map(([, options]) => options?.limit);

describe('the folder store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    storage.clear();
    vi.mocked(getListing).mockReset();
    vi.mocked(getListing).mockImplementation(async (_id, options = {}) => {
      const { offset = 0, limit = 1000 } = options as Partial<ListQuery>;
      // Later pages take a moment, as over a network.
      if (offset > 0) await new Promise((resolve) => setTimeout(resolve, 1));
      return {
        folder,
        items: all.slice(offset, offset + limit),
        total: all.length,
        offset,
        limit,
      } satisfies Listing;
    });
  });

  it('shows the first page at once, and the rest in pages of 2,000 only as the list asks for them', async () => {
    const store = useFolderStore();
    await store.load('folder');
    expect(store.items.length).toBe(500);
    expect(store.total).toBe(25_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(limits()).toEqual([500]);

    await store.paged.ensure(4_000);
    expect(store.items.length).toBe(4_500);
    expect(limits()).toEqual([500, 2_000, 2_000]);
    await store.paged.loadAll();
    expect(store.items.map((item) => item.id)).toEqual(all.map((item) => item.id));
    expect(limits()).toEqual([500, ...Array<number>(13).fill(2_000)]);
  });

  it('takes the first page asked for at start-up instead of asking again', async () => {
    storage.set('idrive.sort', 'size');
    preloadFolder('folder');
    expect(vi.mocked(getListing).mock.calls[0]).toEqual([
      'folder',
      { sort: 'size', order: 'asc', limit: 500 },
    ]);
    const store = useFolderStore();
    await store.load('folder');
    expect(store.items.length).toBe(500);
    expect(limits()).toEqual([500]);
    // Used once: loading again asks the server.
    await store.load('folder');
    expect(limits()).toEqual([500, 500]);
  });

  it('asks again when the start-up page was for another folder, another order, or before signing in', async () => {
    const store = useFolderStore();
    preloadFolder('other');
    await store.load('folder');
    expect(vi.mocked(getListing).mock.calls.map(([id]) => id)).toEqual(['other', 'folder']);

    vi.mocked(getListing).mockClear();
    preloadFolder('folder');
    store.order = 'desc';
    await store.load('folder');
    expect(vi.mocked(getListing).mock.calls.map(([, options]) => options?.order)).toEqual(['asc', 'desc']);

    vi.mocked(getListing).mockClear();
    const listing = vi.mocked(getListing).getMockImplementation()!;
    vi.mocked(getListing).mockRejectedValueOnce(new ApiError(401, 'unauthorized', 'Sign in'));
    preloadFolder('folder');
    vi.mocked(getListing).mockImplementation(listing);
    await store.load('folder');
    expect(store.items.length).toBe(500);
    expect(vi.mocked(getListing)).toHaveBeenCalledTimes(2);
  });

  it('reports a start-up page the server refused (a locked folder) without asking twice', async () => {
    vi.mocked(getListing).mockRejectedValueOnce(new ApiError(423, 'locked', 'Locked'));
    preloadFolder('folder');
    await expect(useFolderStore().load('folder')).rejects.toMatchObject({ status: 423 });
    expect(vi.mocked(getListing)).toHaveBeenCalledTimes(1);
  });

  it('puts a new item at its sorted place, replaces a renamed one, drops one that left', async () => {
    const store = useFolderStore();
    await store.load('folder');
    // Past the loaded page: counted, and left for the page that will bring it.
    store.upsert(file(30_000, { id: 'late', name: 'file-20000b.txt' }));
    expect(store.items.length).toBe(500);
    expect(store.total).toBe(25_001);

    await store.paged.loadAll();
    store.upsert(file(30_000, { id: 'new', name: 'file-00002b.txt' }));
    expect(store.items.slice(2, 5).map((item) => item.id)).toEqual(['f2', 'new', 'f3']);
    expect(store.total).toBe(25_001);
    store.upsert({ ...all[0]!, name: 'zzz.txt' });
    expect(store.items.at(-1)!.id).toBe('f0');
    expect(store.total).toBe(25_001);
    store.upsert({ ...all[1]!, parentId: 'elsewhere' });
    expect(store.items.some((item) => item.id === 'f1')).toBe(false);
    expect(store.total).toBe(25_000);
  });

  it('keeps what it knows of stars when a live event brings an item without them, and changes them', async () => {
    const store = useFolderStore();
    await store.load('folder');
    expect(store.items[0]!.starred).toBe(true);
    const { starred: _, ...renamed } = { ...all[0]!, name: 'file-00000a.txt' };
    store.upsert(renamed);
    expect(store.items[0]).toMatchObject({ name: 'file-00000a.txt', starred: true });
    store.upsert({ ...file(30_000, { id: 'new', name: 'file-00000b.txt' }), starred: undefined });
    expect(store.items[1]).toMatchObject({ id: 'new', starred: false });

    store.setStarred(['f0', 'f1', 'folder'], false);
    expect(store.items.slice(0, 3).map((item) => item.starred)).toEqual([false, false, false]);
    expect(store.folder?.starred).toBe(false);
    store.setStarred(['f2'], true);
    expect(store.items.find((item) => item.id === 'f2')?.starred).toBe(true);
  });

  it('asks the server for the remembered sort order', async () => {
    const store = useFolderStore();
    store.sort = 'size';
    store.order = 'desc';
    await store.load('folder');
    expect(vi.mocked(getListing).mock.calls[0]![1]).toMatchObject({ sort: 'size', order: 'desc' });
    await vi.waitFor(() => expect(storage.get('idrive.sort')).toBe('size'));
  });
});
