import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';

describe('creating a folder with reuse (a folder upload making its tree)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers with the folder already there (any case), creates a missing one, and refuses a file', async () => {
    const u = await newDriveUser(t);
    const made = await u.mkdir(u.root, 'Photos');
    const again = await u.request('POST', '/folders', { parentId: u.root, name: 'photos', reuse: true });
    expect(again.statusCode).toBe(201);
    expect(again.json<Item>()).toMatchObject({ id: made.id, name: 'Photos' });

    const fresh = await u.request('POST', '/folders', { parentId: made.id, name: '2024', reuse: true });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json<Item>()).toMatchObject({ type: 'folder', name: '2024', parentId: made.id });

    // Without reuse the name is still taken.
    const clash = await u.request('POST', '/folders', { parentId: u.root, name: 'Photos' });
    expect(clash.statusCode).toBe(409);

    await u.upload(u.root, 'notes', 'x');
    const onFile = await u.request('POST', '/folders', { parentId: u.root, name: 'notes', reuse: true });
    expect(onFile.statusCode).toBe(409);
    expect(errorCode(onFile)).toBe('name_conflict');
    expect((await u.list(u.root)).items.map((i) => i.name)).toEqual(['Photos', 'notes']);
  });
});
