import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DriveEvent, Item } from '@idrive/shared';
import { userView } from './share-view.js';

describe('userView: what a user sees of events that reached their topic', () => {
  const [myRoot, ownerRoot, privateFolder, shared, sub] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];
  const item = (parentId: string, id: string = randomUUID()): Item => ({
    id,
    type: 'file',
    name: 'x',
    parentId,
    size: 1,
    mimeType: null,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    trashedAt: null,
  });
  const at = { id: 1, at: new Date(0).toISOString() };
  const created = (parentId: string, ancestorIds: string[], id?: string): DriveEvent => ({
    ...at,
    type: 'item.created',
    item: item(parentId, id),
    parentId,
    ancestorIds,
  });
  const view = (roots: string[]) => userView(myRoot, new Set(roots));

  it('passes news of the user’s own drive as it is', () => {
    const own = created(myRoot, [myRoot]);
    expect(view([])(own)).toEqual(own);
    const starred: DriveEvent = { ...at, type: 'item.starred', itemIds: [randomUUID()], starred: true };
    expect(view([])(starred)).toEqual(starred);
  });

  it('shows another user’s items from the outermost share down, and nothing of their folders above', () => {
    const inSub = created(sub, [ownerRoot, privateFolder, shared, sub]);
    expect(view([shared, sub])(inSub)).toMatchObject({ parentId: sub, ancestorIds: [shared, sub] });
    expect(view([sub])(inSub)).toMatchObject({ ancestorIds: [sub] });
    // The shared item itself sits at the top.
    const top = created(privateFolder, [ownerRoot, privateFolder], shared);
    expect(view([shared])(top)).toMatchObject({ parentId: privateFolder, ancestorIds: [] });
  });

  it('drops what is no longer shared: an event on its way when access ends reaches nobody', () => {
    const inSub = created(sub, [ownerRoot, privateFolder, shared, sub]);
    expect(view([])(inSub)).toBeNull();
    expect(view([randomUUID()])(created(privateFolder, [ownerRoot, privateFolder]))).toBeNull();
  });

  it('turns a move into or out of the share into a creation or a deletion', () => {
    const moved = (now: string[], from: string[]): DriveEvent => ({
      ...at,
      type: 'item.moved',
      item: item(now[now.length - 1]!),
      parentId: now[now.length - 1]!,
      ancestorIds: now,
      from: { parentId: from[from.length - 1]!, ancestorIds: from },
    });
    const inward = view([shared])(moved([ownerRoot, shared], [ownerRoot, privateFolder]));
    expect(inward).toMatchObject({ type: 'item.created', ancestorIds: [shared] });
    const outward = view([shared])(moved([ownerRoot, privateFolder], [ownerRoot, shared, sub]));
    expect(outward).toMatchObject({ type: 'item.deleted', reason: 'trashed', ancestorIds: [shared, sub] });
    const within = view([shared])(moved([ownerRoot, shared, sub], [ownerRoot, shared]));
    expect(within).toMatchObject({
      type: 'item.moved',
      ancestorIds: [shared, sub],
      from: { ancestorIds: [shared] },
    });
  });
});
