import { describe, expect, it } from 'vitest';
import { filesBody, noRateLimits, seeded, type Seeded } from '../test-support.js';
import { parseRange } from './cdn.routes.js';

const GONE = 'This content is no longer available.';

async function upload(s: Seeded, data: Buffer | string = 'hello world') {
  const res = await s.emu.app.inject({
    method: 'POST',
    url: `${s.webhookPath}?wait=true`,
    ...filesBody([{ name: 'c000001.bin', data }]),
  });
  const message = res.json();
  return { message, url: message.attachments[0].url as string };
}

const local = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe('CDN', () => {
  it('serves the bytes at a signed URL that expires 24 h after issue', async () => {
    const s = seeded(noRateLimits);
    const { url } = await upload(s);
    const q = new URL(url).searchParams;
    expect(parseInt(q.get('ex')!, 16) - parseInt(q.get('is')!, 16)).toBe(24 * 3600);
    const res = await s.emu.app.inject({ method: 'GET', url: local(url) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('hello world');
    expect(res.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': '11',
      'accept-ranges': 'bytes',
    });
  });

  it('answers single ranges with 206 and unsatisfiable ones with 416', async () => {
    const s = seeded(noRateLimits);
    const { url } = await upload(s);
    const get = (range: string) => s.emu.app.inject({ method: 'GET', url: local(url), headers: { range } });
    const mid = await get('bytes=6-10');
    expect(mid.statusCode).toBe(206);
    expect(mid.body).toBe('world');
    expect(mid.headers['content-range']).toBe('bytes 6-10/11');
    expect(mid.headers['content-length']).toBe('5');
    expect((await get('bytes=6-')).body).toBe('world');
    expect((await get('bytes=-5')).body).toBe('world');
    expect((await get('bytes=0-999')).headers['content-range']).toBe('bytes 0-10/11');
    const beyond = await get('bytes=11-20');
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */11');
    expect((await get('bytes=0-1,3-4')).statusCode).toBe(200);
  });

  it('ignores ranges when they are switched off', async () => {
    const s = seeded({ limits: { rateLimits: { enabled: false }, cdn: { ranges: false } } });
    const { url } = await upload(s);
    const res = await s.emu.app.inject({ method: 'GET', url: local(url), headers: { range: 'bytes=0-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('hello world');
    expect(res.headers['accept-ranges']).toBeUndefined();
  });

  it('answers tampered, missing or expired signatures with 404 and Discord’s text', async () => {
    const s = seeded(noRateLimits);
    const { url } = await upload(s);
    const u = new URL(url);
    const hm = u.searchParams.get('hm')!;
    const tampered = new URL(url);
    tampered.searchParams.set('hm', (hm[0] === 'a' ? 'b' : 'a') + hm.slice(1));
    const longer = new URL(url);
    longer.searchParams.set('ex', (parseInt(u.searchParams.get('ex')!, 16) + 3600).toString(16));
    for (const bad of [local(tampered.href), local(longer.href), u.pathname, `${u.pathname}?ex=1&is=1`]) {
      const res = await s.emu.app.inject({ method: 'GET', url: bad });
      expect(res.statusCode, bad).toBe(404);
      expect(res.body).toBe(GONE);
    }
    s.emu.control.advance(24 * 3600 * 1000 - 2000);
    expect((await s.emu.app.inject({ method: 'GET', url: local(url) })).statusCode).toBe(200);
    s.emu.control.advance(2000);
    const expired = await s.emu.app.inject({ method: 'GET', url: local(url) });
    expect(expired.statusCode).toBe(404);
    expect(expired.body).toBe(GONE);
  });

  it('can answer bad signatures with 403 and uses a configurable lifetime', async () => {
    const s = seeded({
      limits: { rateLimits: { enabled: false }, cdn: { deniedStatus: 403, urlLifetimeMs: 10_000 } },
    });
    const { url } = await upload(s);
    s.emu.control.advance(10_000);
    const res = await s.emu.app.inject({ method: 'GET', url: local(url) });
    expect(res.statusCode).toBe(403);
  });

  it('answers 404 once the message is deleted', async () => {
    const s = seeded(noRateLimits);
    const { message, url } = await upload(s);
    await s.emu.app.inject({ method: 'DELETE', url: `${s.webhookPath}/messages/${message.id}` });
    const res = await s.emu.app.inject({ method: 'GET', url: local(url) });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe(GONE);
  });

  it('serves 10 MiB from the stored buffer without copying it', async () => {
    const s = seeded(noRateLimits);
    const data = Buffer.alloc(10 * 1024 * 1024, 7);
    const { message, url } = await upload(s, data);
    const stored = s.emu.state.attachments.get(message.attachments[0].id)!;
    expect(stored.data.length).toBe(data.length);
    const res = await s.emu.app.inject({
      method: 'GET',
      url: local(url),
      headers: { range: 'bytes=1048576-2097151' },
    });
    expect(res.rawPayload.length).toBe(1024 * 1024);
  });
});

describe('refresh-urls', () => {
  it('gives new working URLs for expired ones', async () => {
    const s = seeded(noRateLimits);
    const { url } = await upload(s);
    s.emu.control.advance(25 * 3600 * 1000);
    expect((await s.emu.app.inject({ method: 'GET', url: local(url) })).statusCode).toBe(404);
    const res = await s.emu.app.inject({
      method: 'POST',
      url: '/api/v10/attachments/refresh-urls',
      headers: s.botAuth,
      payload: { attachment_urls: [url] },
    });
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().refreshed_urls;
    expect(entry.original).toBe(url);
    expect(entry.refreshed).not.toBe(url);
    const fresh = await s.emu.app.inject({ method: 'GET', url: local(entry.refreshed) });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.body).toBe('hello world');
  });

  it('accepts 50 URLs, refuses 51 with 50035, and needs a bot', async () => {
    const s = seeded(noRateLimits);
    const { url } = await upload(s);
    const call = (n: number, headers: Record<string, string> = s.botAuth) =>
      s.emu.app.inject({
        method: 'POST',
        url: '/api/v10/attachments/refresh-urls',
        headers,
        payload: { attachment_urls: Array.from({ length: n }, () => url) },
      });
    expect((await call(50)).statusCode).toBe(200);
    const tooMany = await call(51);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({
      code: 50035,
      errors: { attachment_urls: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    expect((await call(1, {})).statusCode).toBe(401);
  });
});

describe('parseRange', () => {
  it('reads the single-range forms', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-2', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
  });
});
