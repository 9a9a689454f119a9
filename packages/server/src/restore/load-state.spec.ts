import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawItem, rawUser } from '../../test/helpers/raw-rows.js';
import { describeEachDb, openTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { DriveState } from '../journal/drive-state.js';
import { IntegrityError } from '../storage/errors.js';
import { loadState } from './load-state.js';

const version = (id: string, ownerId: string) => ({
  id,
  owner_id: ownerId,
  status: 'committed',
  size: 1,
  sha256: null,
  wrapped_key: 'k',
  format: 2,
  chunk_size: 65536,
  segment_size: 65536,
  created_at: 1,
  crc32: null,
  sha1: null,
  md5: null,
  sealed_as: null,
});

describeEachDb('writing a folded drive into an empty database', (dialect) => {
  let db: TestDb;
  beforeEach(async () => {
    db = await openTestDb(dialect);
  });
  afterEach(() => db.drop());

  it('writes parents before children, and leaves out (counting) what points at rows a gap took away', async () => {
    const state = new DriveState();
    const user = randomUUID();
    const root = randomUUID();
    const kept = randomUUID();
    state.put('drive', { id: randomUUID() });
    state.put('users', { ...rawUser(user, root), username: 'u', username_key: 'u' });
    // Children first, as a fold may hold them: the load puts parents first.
    const deep = rawItem({
      id: randomUUID(),
      ownerId: user,
      parentId: kept,
      name: 'deep',
      versionId: randomUUID(),
    });
    state.put('items', deep);
    state.put('items', rawItem({ id: kept, ownerId: user, parentId: root, name: 'kept' }));
    state.put('items', rawItem({ id: root, ownerId: user, parentId: null, name: '' }));
    const orphan = randomUUID();
    state.put('items', rawItem({ id: orphan, ownerId: user, parentId: randomUUID(), name: 'orphan' }));
    state.put(
      'items',
      rawItem({ id: randomUUID(), ownerId: user, parentId: orphan, name: 'under the orphan' }),
    );
    const versionId = randomUUID();
    state.put('file_versions', version(versionId, user));
    state.put('media', {
      version_id: versionId,
      kind: 'image',
      status: 'ready',
      width: 1,
      height: 1,
      orientation: null,
      duration_ms: null,
      thumbnail_version_id: randomUUID(),
      preview_version_id: null,
      preview_width: null,
      preview_height: null,
      camera: null,
      error: null,
      created_at: 1,
      updated_at: 1,
    });

    const dropped = await loadState(db, state);
    expect(Object.fromEntries(dropped)).toEqual({ items: 3 });
    const names = (await db.db.selectFrom('items').select('name').execute()).map((r) => r.name).sort();
    expect(names).toEqual(['', 'kept']);
    const media = await db.db.selectFrom('media').selectAll().executeTakeFirstOrThrow();
    expect(media.thumbnail_version_id).toBeNull();
    expect((await db.db.selectFrom('drive').selectAll().execute()).length).toBe(1);

    await expect(loadState(db, state)).rejects.toThrow(/already holds a drive/);
  });
});

describe('folding a checkpoint and the journal', () => {
  it('folds records in order only: each replaces or removes its whole row', () => {
    const state = new DriveState();
    state.apply({
      seq: 1,
      table: 'tags',
      op: 'upsert',
      key: { id: 't' },
      row: { id: 't', name: 'a' },
      at: 1,
    });
    state.apply({
      seq: 2,
      table: 'tags',
      op: 'upsert',
      key: { id: 't' },
      row: { id: 't', name: 'b' },
      at: 2,
    });
    expect(state.rows('tags')).toEqual([{ id: 't', name: 'b' }]);
    state.apply({ seq: 3, table: 'tags', op: 'delete', key: { id: 't' }, row: null, at: 3 });
    expect(state.count('tags')).toBe(0);
    expect(() =>
      state.apply({ seq: 3, table: 'tags', op: 'delete', key: { id: 't' }, row: null, at: 3 }),
    ).toThrow(IntegrityError);
    expect(() =>
      state.apply({ seq: 4, table: 'sessions', op: 'delete', key: { id: 't' }, row: null, at: 4 }),
    ).toThrow(IntegrityError);
  });
});
