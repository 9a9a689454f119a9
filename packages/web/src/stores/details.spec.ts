import type { Item } from '@idrive/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { useDetailsStore } from './details';

function item(id: string, change: Partial<Item> = {}): Item {
  return {
    id,
    type: 'file',
    name: `${id}.txt`,
    parentId: 'root',
    size: 1,
    mimeType: 'text/plain',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    trashedAt: null,
    starred: false,
    ...change,
  };
}

describe('details panel', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts closed, shows an item, moves to another and closes', () => {
    const details = useDetailsStore();
    expect(details.open).toBe(false);
    details.show(item('a'));
    expect(details.open).toBe(true);
    expect(details.item?.id).toBe('a');
    details.show(item('b'));
    expect(details.item?.id).toBe('b');
    details.close();
    expect(details.open).toBe(false);
    expect(details.item).toBeNull();
  });

  it('toggles: opens on the target, closes when open whatever the target, ignores no target', () => {
    const details = useDetailsStore();
    details.toggle(null);
    expect(details.open).toBe(false);
    details.toggle(item('a'));
    expect(details.item?.id).toBe('a');
    details.toggle(item('b'));
    expect(details.open).toBe(false);
  });

  it('follows the selection only while open', () => {
    const details = useDetailsStore();
    details.follow(item('a'));
    expect(details.open).toBe(false);
    details.show(item('a'));
    details.follow(item('b'));
    expect(details.item?.id).toBe('b');
    // Nothing to point at (a folder still loading) leaves it where it was.
    details.follow(null);
    expect(details.item?.id).toBe('b');
  });

  it('takes a newer copy of the shown item, keeping its star when the copy does not say', () => {
    const details = useDetailsStore();
    details.show(item('a', { starred: true }));
    const renamed = item('a', { name: 'renamed.txt', size: 9 });
    delete renamed.starred;
    details.update(renamed);
    expect(details.item).toMatchObject({ id: 'a', name: 'renamed.txt', size: 9, starred: true });
    details.update(item('a', { starred: false }));
    expect(details.item?.starred).toBe(false);
    // Another item's change does not replace it.
    details.update(item('b'));
    expect(details.item?.id).toBe('a');
  });

  it('closes when the shown item goes away, not when another does', () => {
    const details = useDetailsStore();
    details.show(item('a'));
    details.forget(['b', 'c']);
    expect(details.item?.id).toBe('a');
    details.forget(['c', 'a']);
    expect(details.open).toBe(false);
    // Closed, nothing happens.
    details.forget(['a']);
    details.update(item('a'));
    expect(details.open).toBe(false);
  });
});
