import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Listing, Share } from '@idrive/shared';
import { multipart, newDriveUser } from '../../test/helpers/drive-client.js';
import { startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const MAX = 2 * 1024 * 1024;
const BOUNDARY = 'batch-boundary-1';

/** A multipart body written by hand, so a part can lack what FormData always adds. */
function rawMultipart(parts: { disposition: string; data: string }[]): { body: Buffer; contentType: string } {
  const text = parts
    .map((p) => `--${BOUNDARY}\r\nContent-Disposition: form-data; ${p.disposition}\r\n\r\n${p.data}\r\n`)
    .join('');
  return {
    body: Buffer.from(`${text}--${BOUNDARY}--\r\n`),
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
  };
}

/** A batch that is refused as a whole says so with a 4xx and leaves nothing of itself behind. */
describeEachDb('refused batch uploads', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect, env: { IDRIVE_MAX_FILE_SIZE: String(MAX) } });
  });
  afterAll(() => t.close());

  async function setup() {
    const owner = await newDriveUser(t);
    const inbox = await owner.mkdir(owner.root, 'inbox');
    const link = (await owner.request('POST', '/shares', { itemId: inbox.id, mode: 'upload' })).json<Share>();
    /** Every name below the folder, recursively. */
    const tree = async (id = inbox.id, prefix = ''): Promise<string[]> => {
      const listing = (await owner.request('GET', `/folders/${id}/children?limit=10000`)).json<Listing>();
      const names: string[] = [];
      for (const item of listing.items) {
        names.push(prefix + item.name);
        if (item.type === 'folder') names.push(...(await tree(item.id, `${prefix}${item.name}/`)));
      }
      return names;
    };
    const post = (url: string, form: { body: Buffer; contentType: string }, auth: boolean) =>
      t.drive.app.inject({
        method: 'POST',
        url,
        headers: {
          'content-type': form.contentType,
          ...(auth ? { authorization: `Bearer ${owner.token}` } : {}),
        },
        payload: form.body,
      });
    return {
      owner,
      inbox,
      tree,
      /** The same batch through the owner's folder route and, anonymously, through the upload link. */
      both: async (form: { body: Buffer; contentType: string }) => [
        await post(`/api/v1/folders/${inbox.id}/batch`, form, true),
        await post(`/api/v1/s/${link.token}/upload`, form, false),
      ],
    };
  }

  it('finding 16: a part without a file name is a 4xx, through an upload link too, and what came before it is taken back', async () => {
    const { both, tree } = await setup();
    for (const nameless of ['name="file"', 'name="file"; filename=""']) {
      const form = rawMultipart([
        { disposition: 'name="file"; filename="trip/day1/a.txt"', data: 'a' },
        { disposition: nameless, data: 'no name' },
      ]);
      for (const res of await both(form)) {
        expect(res.statusCode, `${nameless}: ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, nameless).toBeLessThan(500);
      }
      expect(await tree()).toEqual([]);
    }
  });

  it('finding 16: a path too deep or too long is refused, leaving no folder behind', async () => {
    const { both, tree } = await setup();
    const deep = `${Array.from({ length: 1000 }, (_, i) => `d${i}`).join('/')}/x.txt`;
    const long = `${'n'.repeat(250)}/`.repeat(20) + 'x.txt';
    for (const path of [deep, long]) {
      const form = await multipart([
        { path: 'kept/first.txt', data: 'first' },
        { path, data: 'x' },
      ]);
      for (const res of await both(form)) expect(res.statusCode, res.body).toBe(400);
      expect(await tree()).toEqual([]);
    }
    // 64 levels are still a folder drop.
    const fine = await multipart([
      { path: `${Array.from({ length: 64 }, () => 'd').join('/')}/ok.txt`, data: 'ok' },
    ]);
    expect((await both(fine))[0]!.statusCode).toBe(200);
  });

  it('finding 16: a file over the maximum fails the batch with 413 and takes back the files stored before it', async () => {
    const { both, tree, owner } = await setup();
    const before = await owner.usedBytes();
    const form = await multipart([
      { path: 'photos/small.jpg', data: Buffer.alloc(1000, 1) },
      { path: 'photos/big-enough.bin', data: Buffer.alloc(1024 * 1024 + 10, 2) },
      { path: 'photos/too-big.bin', data: Buffer.alloc(MAX + 1, 3) },
    ]);
    for (const res of await both(form)) expect(res.statusCode, res.body).toBe(413);
    expect(await tree()).toEqual([]);
    expect(await owner.usedBytes()).toBe(before);
  });
});
