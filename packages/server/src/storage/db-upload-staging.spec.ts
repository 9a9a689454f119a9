import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { DbUploadStaging } from './db-upload-staging.js';
import { IntegrityError } from './errors.js';

const key = randomBytes(32);

describeEachDb('DbUploadStaging', (dialect) => {
  let t: TestApp;
  let staging: DbUploadStaging;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    staging = new DbUploadStaging(t.drive.repos);
  });
  afterAll(() => t.close());

  async function newUpload(): Promise<string> {
    const res = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...bearer(t.adminToken),
        'tus-resumable': '1.0.0',
        'upload-length': '1000000',
        'upload-metadata': `filename ${Buffer.from(`${randomBytes(4).toString('hex')}.bin`).toString('base64')}`,
      },
    });
    expect(res.statusCode).toBe(201);
    return res.headers.location!.split('/').pop()!;
  }
  const rows = (id: string) => t.drive.repos.stagedTails.records(id);

  it('appends records and loads them back from the base offset, sealed', async () => {
    const id = await newUpload();
    const a = Buffer.from('PLAINTEXT-MARKER-'.repeat(50));
    const b = randomBytes(3000);
    expect((await staging.load(id, key, 4096)).length).toBe(0);
    await staging.append(id, key, 4096, a);
    await staging.append(id, key, 4096 + a.length, b);
    expect(await staging.load(id, key, 4096)).toEqual(Buffer.concat([a, b]));
    const stored = await rows(id);
    expect(stored).toHaveLength(2);
    expect(stored.some((r) => r.includes(Buffer.from('PLAINTEXT-MARKER')))).toBe(false);
  });

  it('replaces with one record, removes on empty data, and drops stale staging', async () => {
    const id = await newUpload();
    await staging.append(id, key, 0, randomBytes(500));
    const tail = randomBytes(700);
    await staging.replace(id, key, 262_144, tail);
    expect(await staging.load(id, key, 262_144)).toEqual(tail);
    expect(await rows(id)).toHaveLength(1);
    await staging.replace(id, key, 262_144, Buffer.alloc(0));
    expect(await rows(id)).toEqual([]);

    await staging.append(id, key, 0, randomBytes(100));
    expect((await staging.load(id, key, 65_536)).length).toBe(0);
    expect(await rows(id)).toEqual([]);
  });

  it('throws IntegrityError for a wrong key or a record moved to another upload', async () => {
    const id = await newUpload();
    await staging.append(id, key, 0, randomBytes(100));
    await expect(staging.load(id, randomBytes(32), 0)).rejects.toThrow(IntegrityError);
    const other = await newUpload();
    await t.drive.repos.stagedTails.add(other, 0, (await rows(id))[0]!);
    await expect(staging.load(other, key, 0)).rejects.toThrow(IntegrityError);
  });

  it('goes with its upload', async () => {
    const id = await newUpload();
    await staging.append(id, key, 0, randomBytes(100));
    const res = await t.drive.app.inject({
      method: 'DELETE',
      url: `/api/v1/uploads/${id}`,
      headers: { ...bearer(t.adminToken), 'tus-resumable': '1.0.0' },
    });
    expect(res.statusCode).toBe(204);
    expect(await rows(id)).toEqual([]);
  });
});
