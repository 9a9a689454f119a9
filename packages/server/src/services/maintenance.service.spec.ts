import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveClient } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';

const HOUR = 3_600_000;

describe('maintenance sweep of the local store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('deletes chunk files no record knows and stale temporary files, and keeps everything else', async () => {
    const admin = driveClient(t, t.adminToken);
    const body = randomBytes(10_000);
    const kept = (await admin.upload(await admin.rootId(), 'kept.bin', body)).id;

    // What a power cut can leave: a chunk whose pending record was lost, and a half-written temp file.
    const chunks = path.join(t.dataDir, 'chunks');
    const orphan = randomUUID();
    await mkdir(path.join(chunks, orphan.slice(0, 2)), { recursive: true });
    const orphanFile = path.join(chunks, orphan.slice(0, 2), orphan);
    const tempFile = path.join(chunks, orphan.slice(0, 2), `.${orphan}.abcdef.tmp`);
    await writeFile(orphanFile, randomBytes(100));
    await writeFile(tempFile, randomBytes(100));
    const stored = (await readdir(chunks, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    );
    // Everything is made to look old: only the record decides.
    const old = new Date(Date.now() - 100 * HOUR);
    for (const e of stored) await utimes(path.join(e.parentPath, e.name), old, old);

    // Files younger than the upload expiry are left alone.
    expect(await t.drive.maintenance.sweep(Date.now() - 200 * HOUR)).toBe(0);
    expect(await t.drive.maintenance.sweep(Date.now())).toBe(2);

    const left = (await readdir(chunks, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(left).toHaveLength(stored.length - 2);
    expect((await admin.content(kept)).equals(body)).toBe(true);
  });
});
