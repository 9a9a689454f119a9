import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

const CHUNK = 4 * 65536;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The tus client the web app uses, against our endpoint over a real connection. */
describe('tus-js-client against /api/v1/uploads', () => {
  let t: TestApp;
  let endpoint: string;
  let rootId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { IDRIVE_CHUNK_SIZE: String(CHUNK) } });
    endpoint = `${await t.drive.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/uploads`;
    const root = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    rootId = root.json<Listing>().folder.id;
  });
  afterAll(() => t.close());

  function upload(body: Buffer, name: string, events: Partial<tus.UploadOptions> = {}): tus.Upload {
    return new tus.Upload(body, {
      endpoint,
      headers: bearer(t.adminToken),
      // PATCH sizes that do not line up with the server's chunks.
      chunkSize: 3 * 65536 + 17,
      retryDelays: [0, 50, 100],
      metadata: { filename: name, parentId: rootId, filetype: 'application/octet-stream' },
      ...events,
    });
  }

  it('uploads in several PATCHes and the file matches', async () => {
    const body = randomBytes(5 * CHUNK + 999);
    const done = new Promise<void>((resolve, reject) => {
      upload(body, 'client.bin', { onSuccess: () => resolve(), onError: reject }).start();
    });
    await done;
    const listing = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    const file = listing.json<Listing>().items.find((i) => i.name === 'client.bin')!;
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${file.id}/content`,
      headers: bearer(t.adminToken),
    });
    expect(sha256(content.rawPayload)).toBe(sha256(body));
  });

  it('uploads a stream whose length it learns only at its end (Upload-Defer-Length)', async () => {
    const body = randomBytes(3 * CHUNK + 1234);
    const stream = Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]);
    let fileId: string | null = null;
    await new Promise<void>((resolve, reject) => {
      upload(stream as unknown as Buffer, 'deferred.bin', {
        uploadLengthDeferred: true,
        onSuccess: ({ lastResponse }) => {
          fileId = lastResponse.getHeader('x-idrive-file-id') ?? null;
          resolve();
        },
        onError: reject,
      }).start();
    });
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${fileId}/content`,
      headers: bearer(t.adminToken),
    });
    expect(sha256(content.rawPayload)).toBe(sha256(body));
  });

  it('resumes from the server offset after being aborted', async () => {
    const body = randomBytes(6 * CHUNK + 5);
    let url = '';
    let aborted = false;
    const first = upload(body, 'resumed.bin', {
      onError: () => undefined,
      onProgress: (sent) => {
        if (!aborted && sent > 2 * CHUNK) {
          aborted = true;
          void first.abort();
        }
      },
    });
    first.start();
    await expect.poll(() => aborted, { timeout: 10_000 }).toBe(true);
    url = first.url ?? '';
    expect(url).toMatch(/\/api\/v1\/uploads\//);

    let resumedFrom = -1;
    await new Promise<void>((resolve, reject) => {
      const second = upload(body, 'resumed.bin', {
        uploadUrl: url,
        onSuccess: () => resolve(),
        onError: reject,
        onProgress: (sent) => {
          if (resumedFrom < 0) resumedFrom = sent;
        },
      });
      second.start();
    });
    expect(resumedFrom).toBeGreaterThan(CHUNK);
    const listing = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    const file = listing.json<Listing>().items.find((i) => i.name === 'resumed.bin')!;
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${file.id}/content`,
      headers: bearer(t.adminToken),
    });
    expect(sha256(content.rawPayload)).toBe(sha256(body));
  });
});
