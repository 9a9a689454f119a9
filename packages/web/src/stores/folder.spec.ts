import type { Item, ListQuery, Listing } from '@idrive/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getListing } from '../api/folders';
import { useFolderStore } from './folder';

vi.mock('../api/folders', () => ({ getListing: vi.fn() }));

function file(n: number, extra: Partial<Item> = {}): Item {
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
};

// `localStorage` for the remembered sort order.
const storage = new Map<string, string>();
vi.stubGlobal('localStorage', {
  getItem: (key: string) => storage.get(key) ?? null,
  setItem: (key: string, value: string) => storage.set(key, value),
});

describe('the folder store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
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

  it('shows the first page at once, then streams in the rest in large pages', async () => {
    const store = useFolderStore();
    await store.load('folder');
    expect(store.items.length).toBe(500);
    expect(store.complete).toBe(false);
    await vi.waitFor(() => expect(store.complete).toBe(true));
    expect(store.items.map((item) => item.id)).toEqual(all.map((item) => item.id));
    const limits = vi.mocked(getListing).mock.calls.map(([, options]) => options?.limit);
    expect(limits).toEqual([500, 10_000, 10_000, 10_000]);
  });

  it('puts a new item at its sorted place, replaces a renamed one, drops one that left', async () => {
    const store = useFolderStore();
    await store.load('folder');
    await vi.waitFor(() => expect(store.complete).toBe(true));
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

  it('asks the server for the remembered sort order', async () => {
    const store = useFolderStore();
    store.sort = 'size';
    store.order = 'desc';
    await store.load('folder');
    expect(vi.mocked(getListing).mock.calls[0]![1]).toMatchObject({ sort: 'size', order: 'desc' });
    await vi.waitFor(() => expect(storage.get('idrive.sort')).toBe('size'));
  });
});
