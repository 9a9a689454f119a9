import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Share } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

/** A link's download limit counts every download that is served from byte 0, however the range is spelt. */
describeEachDb('share download limits', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  it('finding 7: a range from byte 0 in any spelling counts as a download; only a later start resumes one', async () => {
    const owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'shared');
    const file = await owner.upload(folder.id, 'a.txt', 'alpha bytes');
    for (const range of ['bytes=00-', 'bytes= 0-', 'bytes=0-0,1-', 'bytes=0-', 'nonsense']) {
      const link = (
        await owner.request('POST', '/shares', { itemId: folder.id, maxDownloads: 2 })
      ).json<Share>();
      const url = `/api/v1/s/${link.token}/files/${file.id}/content`;
      const get = (headers: Record<string, string> = {}) =>
        t.drive.app.inject({ method: 'GET', url, headers });
      const first = await get({ range });
      expect(first.statusCode, range).toBeLessThan(300);
      // A resumed download continues the one counted, the second download is the last allowed...
      expect((await get({ range: 'bytes=3-' })).statusCode, range).toBe(206);
      expect((await get()).statusCode, range).toBe(200);
      // ...so the first one was counted.
      expect((await get()).statusCode, range).toBe(410);
    }
  });

  it('finding 7: the same holds for a folder zip', async () => {
    const owner = await newDriveUser(t);
    const folder = await owner.mkdir(owner.root, 'zipped');
    await owner.upload(folder.id, 'a.txt', 'alpha');
    const link = (
      await owner.request('POST', '/shares', { itemId: folder.id, maxDownloads: 1 })
    ).json<Share>();
    const url = `/api/v1/s/${link.token}/zip`;
    expect(
      (await t.drive.app.inject({ method: 'GET', url, headers: { range: 'bytes=00-' } })).statusCode,
    ).toBe(206);
    expect((await t.drive.app.inject({ method: 'GET', url })).statusCode).toBe(410);
  });
});
