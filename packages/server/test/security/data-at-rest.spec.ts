import { mkdtemp, readdir, rm, stat, chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { bearer, startTestApp } from '../helpers/test-app.js';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe('data at rest', () => {
  let parent: string;
  let savedUmask: number;

  // A permissive umask is what makes a mode that relies on it show up as world-readable.
  beforeAll(async () => {
    savedUmask = process.umask(0);
    parent = await mkdtemp(path.join(os.tmpdir(), 'idrive-modes-'));
  });
  afterAll(async () => {
    process.umask(savedUmask);
    await rm(parent, { recursive: true, force: true });
  });

  it('finding 12: a fresh data directory is 0700 and its database, key, chunk and staging files are 0600', async () => {
    const dataDir = path.join(parent, 'fresh', 'data');
    const t = await startTestApp({ dataDir, configDb: true });
    try {
      const auth = bearer(t.adminToken);
      const root = await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth });
      const rootId = root.json<Listing>().folder.id;
      const put = await t.drive.app.inject({
        method: 'PUT',
        url: `/api/v1/folders/${rootId}/files/a.bin`,
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(70_000, 7),
      });
      expect(put.statusCode).toBe(201);
      const tus = await t.drive.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: {
          ...auth,
          'tus-resumable': '1.0.0',
          'upload-length': '10',
          'upload-metadata': `filename ${Buffer.from('b.bin').toString('base64')},parentId ${Buffer.from(rootId).toString('base64')}`,
        },
      });
      expect(tus.statusCode).toBe(201);
      const location = tus.headers.location as string;
      const patch = await t.drive.app.inject({
        method: 'PATCH',
        url: location,
        headers: {
          ...auth,
          'tus-resumable': '1.0.0',
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
        },
        payload: Buffer.alloc(4, 1),
      });
      expect(patch.statusCode).toBe(204);

      expect(await modeOf(dataDir)).toBe(0o700);
      const files = await filesUnder(dataDir);
      const names = files.map((f) => path.relative(dataDir, f));
      expect(names).toEqual(expect.arrayContaining(['idrive.sqlite', 'idrive.sqlite-wal', 'master.key']));
      expect(names.some((n) => n.startsWith(`chunks${path.sep}`))).toBe(true);
      expect(names.some((n) => n.startsWith(`staging${path.sep}`))).toBe(true);
      for (const file of files) expect([file, await modeOf(file)]).toEqual([file, 0o600]);
    } finally {
      await t.close();
    }
  });

  it('finding 12: an existing 0755 data directory and 0644 database are tightened on start', async () => {
    const dataDir = path.join(parent, 'old');
    await mkdir(dataDir, { mode: 0o755 });
    const first = await startTestApp({ dataDir, configDb: true });
    await first.close();
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'idrive.sqlite'), 0o644);

    const second = await startTestApp({ dataDir, configDb: true });
    try {
      expect(await modeOf(dataDir)).toBe(0o700);
      expect(await modeOf(path.join(dataDir, 'idrive.sqlite'))).toBe(0o600);
    } finally {
      await second.close();
    }
  });
});
