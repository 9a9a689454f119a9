import type { LightMyRequestResponse } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BatchUploadResponse, PublicShare, Share, ShareListing } from '@idrive/shared';
import { multipart, newDriveUser, type DriveClient } from '../../test/helpers/drive-client.js';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import { unzipEntry, unzipNames, unzipTest } from '../../test/helpers/zip-check.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';
import { hashToken } from '../lib/token-hash.js';

type Client = DriveClient & { userId: string; root: string };

describeEachDb('share links', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** A request from someone holding the link and nothing else (no session). */
  function visit(
    url: string,
    options: { method?: 'GET' | 'POST' | 'HEAD'; headers?: Record<string, string>; payload?: unknown } = {},
  ): Promise<LightMyRequestResponse> {
    return t.drive.app.inject({
      method: options.method ?? 'GET',
      url: `/api/v1/s/${url}`,
      headers: { 'user-agent': 'visitor-agent/1.0', ...options.headers },
      ...(options.payload !== undefined ? { payload: options.payload as string } : {}),
    });
  }

  async function share(owner: Client, body: Record<string, unknown>): Promise<Share> {
    const res = await owner.request('POST', '/shares', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Share>();
  }

  /** Photos/{a.txt, Trip/b.txt} shared; Private/c.txt beside it is not. */
  async function tree() {
    const owner: Client = await newDriveUser(t);
    const photos = await owner.mkdir(owner.root, 'Photos');
    const trip = await owner.mkdir(photos.id, 'Trip');
    const a = await owner.upload(photos.id, 'a.txt', 'alpha contents');
    const b = await owner.upload(trip.id, 'b.txt', 'bravo contents');
    const priv = await owner.mkdir(owner.root, 'Private');
    const c = await owner.upload(priv.id, 'c.txt', 'charlie secret');
    const top = await owner.upload(owner.root, 'top.txt', 'top secret');
    return { owner, photos, trip, a, b, priv, c, top };
  }

  it('lets a visitor browse, preview and download the shared folder, by range too', async () => {
    const { owner, photos, trip, a, b } = await tree();
    const link = await share(owner, { itemId: photos.id });
    expect(link).toMatchObject({ itemName: 'Photos', mode: 'read', hasPassword: false, downloads: 0 });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const info = await visit(link.token);
    expect(info.statusCode).toBe(200);
    expect(info.json<PublicShare>()).toMatchObject({ name: 'Photos', type: 'folder', needsPassword: false });
    const top = (await visit(`${link.token}/items`)).json<ShareListing>();
    expect(top.items.map((i) => i.name)).toEqual(['Trip', 'a.txt']);
    expect(top.path).toEqual([{ id: photos.id, name: 'Photos' }]);
    const inner = (await visit(`${link.token}/items?folder=${trip.id}`)).json<ShareListing>();
    expect(inner.items.map((i) => i.name)).toEqual(['b.txt']);
    expect(inner.path.map((p) => p.name)).toEqual(['Photos', 'Trip']);

    expect((await visit(`${link.token}/files/${a.id}/content`)).body).toBe('alpha contents');
    const part = await visit(`${link.token}/files/${b.id}/content`, { headers: { range: 'bytes=2-5' } });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe('avo ');
  });

  it('never lets a visitor reach anything outside the shared item', async () => {
    const { owner, photos, priv, c, top } = await tree();
    const other: Client = await newDriveUser(t);
    const theirs = await other.upload(other.root, 'theirs.txt', 'not yours');
    const link = await share(owner, { itemId: photos.id });
    for (const url of [
      `${link.token}/items?folder=${priv.id}`,
      `${link.token}/items?folder=${owner.root}`,
      `${link.token}/files/${c.id}/content`,
      `${link.token}/files/${top.id}/content`,
      `${link.token}/files/${theirs.id}/content`,
      `${link.token}/items?folder=${other.root}`,
    ]) {
      const res = await visit(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toMatch(/secret|not yours/);
    }
    // Path tricks are not ids; they never reach a query.
    expect((await visit(`${link.token}/items?folder=../${priv.id}`)).statusCode).toBe(400);
    expect((await visit(`${link.token}/files/..%2F${c.id}/content`)).statusCode).toBe(400);
    expect((await visit('not-a-real-token-at-all/items')).statusCode).toBe(404);

    // A single shared file is all a file link shows.
    const fileLink = await share(owner, { itemId: c.id });
    expect((await visit(`${fileLink.token}/files/${c.id}/content`)).body).toBe('charlie secret');
    expect((await visit(`${fileLink.token}/files/${top.id}/content`)).statusCode).toBe(404);
    expect((await visit(`${fileLink.token}/items`)).statusCode).toBe(400);
  });

  it('asks for the password, throttles guessing, and a new password voids old access', async () => {
    const { owner, photos, a } = await tree();
    const link = await share(owner, { itemId: photos.id, password: 'open sesame' });
    expect(link.hasPassword).toBe(true);
    const info = (await visit(link.token)).json<PublicShare>();
    // finding 17: a protected link says nothing of what it shares before the password.
    expect(info).toEqual({
      name: null,
      type: null,
      mode: 'read',
      needsPassword: true,
      expiresAt: null,
      item: null,
    });
    const closed = await visit(`${link.token}/items`);
    expect(closed.statusCode).toBe(401);
    expect(errorCode(closed)).toBe('password_required');
    expect((await visit(`${link.token}/files/${a.id}/content`)).statusCode).toBe(401);

    const wrong = await visit(`${link.token}/access`, { method: 'POST', payload: { password: 'nope' } });
    expect(wrong.statusCode).toBe(403);
    expect(errorCode(wrong)).toBe('wrong_password');
    const right = await visit(`${link.token}/access`, {
      method: 'POST',
      payload: { password: 'open sesame' },
    });
    expect(right.statusCode).toBe(200);
    const token = right.json<{ accessToken: string }>().accessToken;
    expect(right.headers['set-cookie']).toContain(`Path=/api/v1/s/${link.token}`);
    expect((await visit(`${link.token}/items`, { headers: { 'x-share-access': token } })).statusCode).toBe(
      200,
    );
    const byCookie = await visit(`${link.token}/files/${a.id}/content`, {
      headers: { cookie: `idrive_share_access=${token}` },
    });
    expect(byCookie.body).toBe('alpha contents');
    const entered = (await visit(link.token, { headers: { 'x-share-access': token } })).json<PublicShare>();
    expect(entered).toMatchObject({ name: 'Photos', type: 'folder', item: { id: photos.id } });
    expect(
      (await visit(`${link.token}/items`, { headers: { 'x-share-access': `${token}x` } })).statusCode,
    ).toBe(401);

    const stored = await t.drive.repos.shares.findByTokenHash(hashToken(link.token));
    expect(stored?.password_hash).toMatch(/^\$argon2id\$/);
    // finding 12: what the database keeps of the link would not open it.
    expect(JSON.stringify(stored)).not.toContain(link.token);
    expect((await owner.request('PATCH', `/shares/${link.id}`, { password: 'new secret' })).statusCode).toBe(
      200,
    );
    expect((await visit(`${link.token}/items`, { headers: { 'x-share-access': token } })).statusCode).toBe(
      401,
    );

    for (let i = 0; i < 10; i++) {
      expect(
        (await visit(`${link.token}/access`, { method: 'POST', payload: { password: `g${i}` } })).statusCode,
      ).toBe(403);
    }
    const throttled = await visit(`${link.token}/access`, {
      method: 'POST',
      payload: { password: 'new secret' },
    });
    expect(throttled.statusCode).toBe(429);
  });

  it('answers 410 once a link is revoked, expired or out of downloads; a resumed range is not a new download', async () => {
    const { owner, photos, a } = await tree();
    const limited = await share(owner, { itemId: photos.id, maxDownloads: 2 });
    const url = `${limited.token}/files/${a.id}/content`;
    expect((await visit(url)).statusCode).toBe(200);
    expect((await visit(url, { headers: { range: 'bytes=3-' } })).statusCode).toBe(206);
    expect((await visit(url, { method: 'HEAD' })).statusCode).toBe(200);
    expect((await visit(url)).statusCode).toBe(200);
    const exhausted = await visit(url);
    expect(exhausted.statusCode).toBe(410);
    expect(errorCode(exhausted)).toBe('gone');
    expect((await visit(limited.token)).statusCode).toBe(410);
    expect((await owner.request('GET', `/shares/${limited.id}`)).json<Share>().downloads).toBe(2);

    const expiring = await share(owner, {
      itemId: photos.id,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await visit(`${expiring.token}/items`)).statusCode).toBe(200);
    await t.drive.repos.shares.update(expiring.id, { expires_at: Date.now() - 1 });
    expect((await visit(`${expiring.token}/items`)).statusCode).toBe(410);
    const past = await owner.request('POST', '/shares', {
      itemId: photos.id,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.statusCode).toBe(400);

    const revoked = await share(owner, { itemId: photos.id });
    expect((await owner.request('DELETE', `/shares/${revoked.id}`)).statusCode).toBe(200);
    expect((await visit(`${revoked.token}/items`)).statusCode).toBe(410);
    expect((await owner.request('GET', `/shares/${revoked.id}`)).json<Share>().revokedAt).not.toBeNull();

    const trashed = await share(owner, { itemId: photos.id });
    await owner.trash(photos.id);
    expect((await visit(trashed.token)).statusCode).toBe(410);
  });

  it('an upload link takes files into the folder and shows the visitor nothing', async () => {
    const { owner, photos, a } = await tree();
    const link = await share(owner, { itemId: photos.id, mode: 'upload' });
    expect((await visit(link.token)).json<PublicShare>()).toMatchObject({ mode: 'upload', item: null });
    const { body, contentType } = await multipart([
      { path: 'from-visitor.txt', data: 'dropped' },
      { path: 'a.txt', data: 'clash' },
    ]);
    const res = await visit(`${link.token}/upload`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json<BatchUploadResponse>().results;
    expect(results.map((r) => r.path)).toEqual(['from-visitor.txt', 'a.txt']);
    expect(results.every((r) => !r.error && !r.item)).toBe(true);
    expect((await owner.list(photos.id)).items.map((i) => i.name)).toEqual([
      'Trip',
      'a (1).txt',
      'a.txt',
      'from-visitor.txt',
    ]);
    expect((await visit(`${link.token}/items`)).statusCode).toBe(403);
    expect((await visit(`${link.token}/files/${a.id}/content`)).statusCode).toBe(403);

    const readLink = await share(owner, { itemId: photos.id });
    const refused = await visit(`${readLink.token}/upload`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      payload: body,
    });
    expect(refused.statusCode).toBe(403);
    expect((await owner.request('POST', '/shares', { itemId: a.id, mode: 'upload' })).statusCode).toBe(400);
  });

  it('records visits for the owner: when, from where, what', async () => {
    const { owner, photos, a } = await tree();
    const link = await share(owner, { itemId: photos.id });
    await visit(link.token);
    await visit(`${link.token}/files/${a.id}/content?disposition=attachment`);
    const res = await owner.request('GET', `/shares/${link.id}/visits`);
    expect(res.statusCode).toBe(200);
    const { visits, total } = res.json<{
      visits: { action: string; itemName: string | null; ip: string; userAgent: string }[];
      total: number;
    }>();
    expect(total).toBe(2);
    expect(visits.map((v) => v.action)).toEqual(['download', 'open']);
    expect(visits[0]).toMatchObject({ itemName: 'a.txt', ip: '127.0.0.1', userAgent: 'visitor-agent/1.0' });

    const stranger: Client = await newDriveUser(t);
    expect((await stranger.request('GET', `/shares/${link.id}/visits`)).statusCode).toBe(404);
    expect((await stranger.request('DELETE', `/shares/${link.id}`)).statusCode).toBe(404);
    expect((await stranger.request('POST', '/shares', { itemId: photos.id })).statusCode).toBe(404);
    expect((await stranger.request('GET', '/shares')).json<{ shares: Share[] }>().shares).toEqual([]);
    expect(
      (await owner.request('GET', `/shares?itemId=${photos.id}`)).json<{ shares: Share[] }>().shares,
    ).toHaveLength(1);
  });

  it('a visitor downloads the shared folder as a zip: only what is shared, never a locked folder', async () => {
    const { owner, photos, trip, priv } = await tree();
    const locked = await owner.mkdir(photos.id, 'Locked');
    await owner.upload(locked.id, 'hidden.txt', 'hidden');
    await owner.request('POST', `/folders/${locked.id}/lock`, { password: 'locked-pass-7' });
    const link = await share(owner, { itemId: photos.id, maxDownloads: 2 });

    const res = await visit(`${link.token}/zip`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(res.rawPayload.length));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'share-zip-'));
    try {
      const file = path.join(dir, 'photos.zip');
      await writeFile(file, res.rawPayload);
      expect(unzipTest(file).ok).toBe(true);
      expect(unzipNames(file).sort()).toEqual(['Trip/', 'Trip/b.txt', 'a.txt']);
      expect(unzipEntry(file, 'Trip/b.txt').toString()).toBe('bravo contents');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // A folder outside the link, or a locked one inside, is not found; the limit counts zips too.
    expect((await visit(`${link.token}/zip?folder=${priv.id}`)).statusCode).toBe(404);
    expect((await visit(`${link.token}/zip?folder=${locked.id}`)).statusCode).toBe(404);
    const inner = await visit(`${link.token}/zip?folder=${trip.id}`);
    expect(inner.statusCode).toBe(200);
    expect((await visit(`${link.token}/zip`)).statusCode).toBe(410);
    const visits = (await owner.request('GET', `/shares/${link.id}/visits`)).json<{
      visits: { action: string }[];
    }>();
    expect(visits.visits.filter((v) => v.action === 'zip')).toHaveLength(2);
  });

  it("a visitor's socket sees changes inside the shared folder, from the folder down, and nothing else", async () => {
    const { owner, photos, trip, priv } = await tree();
    const link = await share(owner, { itemId: photos.id });
    const locked = await owner.mkdir(photos.id, 'Locked');
    await owner.request('POST', `/folders/${locked.id}/lock`, { password: 'locked-pass-9' });
    const address = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `${address.replace('http', 'ws')}/api/v1/s/${link.token}/events`;
    const socket = await openEventSocket(base);
    try {
      await socket.waitFor((e) => e.type === 'ready');
      const inside = await owner.upload(trip.id, 'new.txt', 'n');
      const created = await socket.waitFor((e) => e.type === 'item.created' && e.item.id === inside.id);
      expect('ancestorIds' in created && created.ancestorIds).toEqual([photos.id, trip.id]);
      // Moved in from outside: news of a new item, naming nothing outside.
      const outside = await owner.upload(priv.id, 'moved.txt', 'm');
      await owner.request('PATCH', `/items/${outside.id}`, { parentId: photos.id });
      const movedIn = await socket.waitFor((e) => 'item' in e && e.item.id === outside.id);
      expect(movedIn.type).toBe('item.created');
      expect(JSON.stringify(movedIn)).not.toContain(priv.id);
      // Elsewhere, and inside the locked folder: nothing.
      await owner.upload(priv.id, 'elsewhere.txt', 'e');
      await owner.upload(locked.id, 'hidden.txt', 'h');
      const last = await owner.upload(photos.id, 'last.txt', 'l');
      await socket.waitFor((e) => 'item' in e && e.item.id === last.id);
      const names = socket.received.flatMap((e) => ('item' in e ? [e.item.name] : []));
      expect(names).not.toContain('elsewhere.txt');
      expect(names).not.toContain('hidden.txt');
      expect(JSON.stringify(socket.received)).not.toContain(owner.root);

      // Revoking the link ends the socket at the next check; a revoked link cannot connect.
      expect((await owner.request('DELETE', `/shares/${link.id}`)).statusCode).toBe(200);
      const refused = await openEventSocket(base);
      expect((await refused.closed).code).toBe(4401);
    } finally {
      await socket.close();
    }
  });

  it('keeps locked folders out of shares', async () => {
    const { owner, photos, trip, b, priv } = await tree();
    await owner.request('POST', `/folders/${priv.id}/lock`, { password: 'locked-pass-1' });
    const refused = await owner.request('POST', '/shares', { itemId: priv.id });
    expect(refused.statusCode).toBe(409);
    expect(errorCode(refused)).toBe('locked');

    const link = await share(owner, { itemId: photos.id });
    await owner.request('POST', `/folders/${trip.id}/lock`, { password: 'locked-pass-2' });
    const listing = (await visit(`${link.token}/items`)).json<ShareListing>();
    expect(listing.items.map((i) => i.name)).toEqual(['a.txt']);
    expect(listing.total).toBe(1);
    expect((await visit(`${link.token}/items?folder=${trip.id}`)).statusCode).toBe(404);
    expect((await visit(`${link.token}/files/${b.id}/content`)).statusCode).toBe(404);

    // A lock added later above the shared folder closes the link too.
    const album = await owner.mkdir(owner.root, 'Album');
    const albumLink = await share(owner, { itemId: album.id });
    expect((await visit(`${albumLink.token}/items`)).statusCode).toBe(200);
    await owner.request('PATCH', `/items/${album.id}`, { parentId: priv.id });
    expect((await visit(`${albumLink.token}/items`)).statusCode).toBe(423);

    await owner.request('POST', `/folders/${photos.id}/lock`, { password: 'locked-pass-3' });
    const locked = await visit(`${link.token}/items`);
    expect(locked.statusCode).toBe(423);
  });
});
