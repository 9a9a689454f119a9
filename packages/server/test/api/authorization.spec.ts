import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, Listing, Permission, SessionList } from '@idrive/shared';
import type { RouteInfo } from '../../src/app.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

/**
 * Walks every registered API route, so a route added later is checked without anyone remembering to:
 * no session → 401; a user without the route's permission → 403; another user's ids → 404.
 */
describeEachDb('authorisation on every route', (dialect) => {
  let t: TestApp;
  let owner: {
    token: string;
    folderId: string;
    fileId: string;
    uploadId: string;
    sessionId: string;
    userId: string;
    shareId: string;
    tagId: string;
  };
  let stranger: string;
  let apiRoutes: RouteInfo[];

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    const a = await t.createUser(['upload', 'delete', 'share']);
    const auth = bearer(a.token);
    const root = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth })
    ).json<Listing>();
    const folder = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/folders',
      headers: auth,
      payload: { parentId: root.folder.id, name: 'private' },
    });
    const file = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${root.folder.id}/files/secret.txt`,
      headers: auth,
      payload: Buffer.from('secret'),
    });
    const upload = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...auth,
        'tus-resumable': '1.0.0',
        'upload-length': '10',
        'upload-metadata': 'filename eA==',
      },
    });
    const sessions = await t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: auth });
    const share = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/shares',
      headers: auth,
      payload: { itemId: folder.json<Item>().id },
    });
    owner = {
      token: a.token,
      folderId: folder.json<Item>().id,
      fileId: file.json<Item>().id,
      uploadId: (upload.headers.location as string).split('/').pop()!,
      sessionId: sessions.json<SessionList>().sessions[0]!.id,
      userId: a.user.id,
      shareId: share.json<{ id: string }>().id,
      tagId: (
        await t.drive.app.inject({
          method: 'POST',
          url: '/api/v1/tags',
          headers: auth,
          payload: { name: 'mine' },
        })
      ).json<{ id: string }>().id,
    };
    stranger = (await t.createUser(['upload', 'delete', 'share'])).token;
    apiRoutes = t.drive.routes.filter((r) => r.url.startsWith('/api/v1/'));
  });
  afterAll(() => t.close());

  const VALID_BODY = { name: 'x', password: 'long-enough-1', newPassword: 'long-enough-2' };

  /** The owner's id for each kind of :id in a route. */
  function ownerIdFor(url: string): string {
    if (url.startsWith('/api/v1/folders/')) return owner.folderId;
    if (url.startsWith('/api/v1/files/') || url.startsWith('/api/v1/items/')) return owner.fileId;
    if (url.startsWith('/api/v1/uploads/')) return owner.uploadId;
    if (url.startsWith('/api/v1/auth/sessions/')) return owner.sessionId;
    if (url.startsWith('/api/v1/users/')) return owner.userId;
    if (url.startsWith('/api/v1/shares/')) return owner.shareId;
    if (url.startsWith('/api/v1/tags/')) return owner.tagId;
    // Admin routes: the permission check comes first, any well-formed id will do.
    if (url.startsWith('/api/v1/admin/')) return '123456789012345678';
    throw new Error(`No owner id known for ${url}: add it to this test`);
  }

  function concrete(route: RouteInfo): string {
    const url = route.url.replace(':id', ownerIdFor(route.url)).replace(':name', 'new-name.txt');
    // A route whose query is required gets a well-formed one, so that the id is what is judged.
    return url.endsWith('/archive/entry') ? `${url}?index=0` : url;
  }

  function call(route: RouteInfo, headers: Record<string, string>) {
    return t.drive.app.inject({
      method: route.method as 'GET',
      url: route.url.includes(':') ? concrete(route) : route.url,
      headers: { ...headers, 'tus-resumable': '1.0.0' },
    });
  }

  it('lists the routes it checks', () => {
    expect(apiRoutes.length).toBeGreaterThan(25);
  });

  it('refuses every non-public route without a session, or with a bad token', async () => {
    for (const route of apiRoutes.filter((r) => !r.public)) {
      const res = await call(route, {});
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      const bad = await call(route, bearer('not-a-real-token'));
      expect(bad.statusCode, `${route.method} ${route.url} with a bad token`).toBe(401);
    }
  });

  it('refuses a user without the permission a route needs', async () => {
    const needing = apiRoutes.filter((r) => r.permission);
    expect(needing.length).toBeGreaterThan(10);
    const tokens = new Map<string, string>();
    for (const permission of ['upload', 'delete', 'share', 'admin'] as Permission[]) {
      const others = (['upload', 'delete', 'share'] as Permission[]).filter((p) => p !== permission);
      tokens.set(permission, (await t.createUser(others)).token);
    }
    for (const route of needing) {
      const res = await call(route, bearer(tokens.get(route.permission!)!));
      expect(res.statusCode, `${route.method} ${route.url} without ${route.permission}`).toBe(403);
    }
  });

  it("answers 404 when a user names another user's item, upload or session in the path", async () => {
    const withId = apiRoutes.filter((r) => r.url.includes(':id') && !r.public && r.permission !== 'admin');
    expect(withId.length).toBeGreaterThan(8);
    for (const route of withId) {
      const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
      const type = route.url.startsWith('/api/v1/uploads/')
        ? 'application/offset+octet-stream'
        : 'application/json';
      const res = await t.drive.app.inject({
        method: route.method as 'GET',
        url: concrete(route),
        headers: {
          ...bearer(stranger),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          ...(hasBody ? { 'content-type': type } : {}),
        },
        // A body valid for every route's schema, so each reaches its ownership check.
        ...(hasBody ? { payload: JSON.stringify(VALID_BODY) } : {}),
      });
      expect([404], `${route.method} ${route.url}: ${res.body}`).toContain(res.statusCode);
    }
  });

  it("answers 404 when a user names another user's ids in a body", async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/folders', { parentId: owner.folderId, name: 'x' }],
      ['POST', '/api/v1/items/trash', { ids: [owner.fileId] }],
      ['POST', '/api/v1/items/copy', { ids: [owner.fileId], parentId: owner.folderId }],
      ['POST', '/api/v1/trash/restore', { ids: [owner.fileId] }],
      ['POST', '/api/v1/trash/delete', { ids: [owner.fileId] }],
    ];
    const mine = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: bearer(stranger) })
    ).json<Listing>().folder.id;
    cases.push(['POST', '/api/v1/items/copy', { ids: [owner.fileId], parentId: mine }]);
    for (const [method, url, payload] of cases) {
      const res = await t.drive.app.inject({
        method: method as 'POST',
        url,
        headers: bearer(stranger),
        payload: payload as object,
      });
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(404);
    }
    // Moving my own item into their folder is refused the same way.
    const myFile = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${mine}/files/mine.txt`,
      headers: bearer(stranger),
      payload: Buffer.from('m'),
    });
    const move = await t.drive.app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${myFile.json<Item>().id}`,
      headers: bearer(stranger),
      payload: { parentId: owner.folderId },
    });
    expect(move.statusCode).toBe(404);
    // And nothing of the owner's changed.
    const check = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${owner.fileId}/content`,
      headers: bearer(owner.token),
    });
    expect(check.body).toBe('secret');
  });
});
