import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, Listing, Permission } from '@idrive/shared';
import type { RouteInfo } from '../../src/app.js';
import {
  concreteUrl,
  lockedIdFor,
  ownerIdFor,
  pathVariants,
  rawRequest,
  saveOver,
  setUpLockedFolder,
  setUpOwner,
  type LockedFixture,
  type OwnerFixture,
} from '../helpers/route-walk.js';
import { basic } from '../helpers/dav-client.js';
import { callWrite, itemWriteRoutes } from '../helpers/sharing.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

/**
 * Walks every registered API route, so a route added later is checked without anyone remembering to:
 * no session → 401; a user without the route's permission → 403; another user's ids → 404; and the
 * same refusals under every other spelling of the route's path.
 */
describeEachDb('authorisation on every route', (dialect) => {
  let t: TestApp;
  let owner: OwnerFixture;
  let locked: LockedFixture;
  let stranger: string;
  /** A folder of the owner's shared with an editor and a viewer, with a file that has an earlier version. */
  let team: { folderId: string; fileId: string; versionId: string; editor: string; viewer: string };
  let apiRoutes: RouteInfo[];
  let base: string;
  /** The owner's download, in flight while the walk runs: nobody else's cancel may end it. */
  let inFlight: { bytes: number; resume(): Promise<{ bytes: number; complete: boolean }> };

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    owner = await setUpOwner(t);
    locked = await setUpLockedFolder(t, owner);
    stranger = (await t.createUser(['upload', 'delete', 'share'])).token;
    team = await setUpTeam();
    apiRoutes = t.drive.routes.filter((r) => r.url.startsWith('/api/v1/'));
    base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    inFlight = await startHeldDownload(`${base}/api/v1`, owner);
  });
  afterAll(() => t.close());

  /**
   * A download larger than the socket buffers, read up to its first piece and then left waiting, so
   * the server keeps it in flight (and cancellable) until `resume`.
   */
  async function startHeldDownload(api: string, of: OwnerFixture) {
    const big = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${of.rootId}/files/big.bin`,
      headers: bearer(of.token),
      payload: randomBytes(16 * 1024 * 1024),
    });
    const url = `${api}/files/${big.json<Item>().id}/content?download=${of.downloadId}`;
    return new Promise<typeof inFlight>((resolve, reject) => {
      http
        .get(url, { headers: bearer(of.token) }, (res) => {
          let bytes = 0;
          res.once('data', (piece: Buffer) => {
            bytes += piece.length;
            res.pause();
            const ended = new Promise<{ bytes: number; complete: boolean }>((done) => {
              res.on('data', (more: Buffer) => (bytes += more.length));
              res.on('error', () => undefined);
              res.on('close', () => done({ bytes, complete: res.complete }));
            });
            resolve({ bytes, resume: () => (res.resume(), ended) });
          });
        })
        .on('error', reject);
    });
  }

  /** The owner's `team` folder, shared with a new editor and a new viewer. */
  async function setUpTeam() {
    const auth = bearer(owner.token);
    const inject = (method: 'POST' | 'PUT', url: string, payload: object | Buffer) =>
      t.drive.app.inject({ method, url: `/api/v1${url}`, headers: auth, payload });
    const folder = (await inject('POST', '/folders', { parentId: owner.rootId, name: 'team' })).json<Item>();
    const file = (
      await inject('PUT', `/folders/${folder.id}/files/notes.txt`, Buffer.from('v1'))
    ).json<Item>();
    const versionId = await saveOver(t, auth, file.id, 'v2');
    const [editor, viewer] = [await t.createUser(), await t.createUser()];
    for (const [who, role] of [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      const res = await inject('PUT', `/items/${folder.id}/access`, { userId: who.user.id, role });
      expect(res.statusCode, res.body).toBe(200);
    }
    return { folderId: folder.id, fileId: file.id, versionId, editor: editor.token, viewer: viewer.token };
  }

  /** The shared folder's or file's id for the :id of an item route. */
  function teamUrl(route: RouteInfo): string {
    const id = route.url.startsWith('/api/v1/folders/') ? team.folderId : team.fileId;
    return concreteUrl(route, id, team.versionId);
  }
  const itemRoute = (r: RouteInfo) => /^\/api\/v1\/(folders|files|items)\/:id/.test(r.url);

  const VALID_BODY = {
    name: 'x',
    password: 'long-enough-1',
    newPassword: 'long-enough-2',
    userId: '00000000-0000-4000-8000-000000000000',
    role: 'viewer',
  };

  function concrete(route: RouteInfo): string {
    return route.url.includes(':')
      ? concreteUrl(route, ownerIdFor(route.url, owner), owner.versionId)
      : route.url;
  }

  function call(route: RouteInfo, headers: Record<string, string>) {
    return t.drive.app.inject({
      method: route.method as 'GET',
      url: concrete(route),
      headers: { ...headers, 'tus-resumable': '1.0.0' },
    });
  }

  it('lists the routes it checks', () => {
    expect(apiRoutes.length).toBeGreaterThan(25);
  });

  // Answers that are bytes (file content, zips, thumbnails, previews), a websocket, tus's empty bodies or the
  // OpenAPI document itself; every other route answers JSON through its schema.
  const NOT_JSON = [
    /\/content$/,
    /\/zip$/,
    /\/archive\/entry$/,
    /\/thumbnail$/,
    /\/preview$/,
    /\/events$/,
    /^\/api\/v1\/uploads(\/:id)?$/,
    /^\/api\/v1\/openapi\.json$/,
  ];

  it('finding 18: every route that answers JSON declares the schema its answers go out through', () => {
    const missing = apiRoutes.filter((r) => !r.responseSchema && !NOT_JSON.some((p) => p.test(r.url)));
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('opens only the routes meant for callers without a session', () => {
    const open = apiRoutes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`);
    expect(open.filter((r) => !r.includes('/api/v1/s/')).sort()).toEqual(
      [
        'GET /api/v1/health',
        'HEAD /api/v1/health',
        'GET /api/v1/openapi.json',
        'HEAD /api/v1/openapi.json',
        'OPTIONS /api/v1/uploads',
        'POST /api/v1/auth/login',
        // A device being signed in has no session yet; it answers only to the secrets it was given.
        'POST /api/v1/auth/device-sign-in',
        'POST /api/v1/auth/device-sign-in/poll',
      ].sort(),
    );
    // Share-link visitors' routes all name the link's token.
    expect(open.filter((r) => r.includes('/api/v1/s/')).every((r) => r.includes('/s/:token'))).toBe(true);
  });

  it('refuses every non-public route without a session, or with a bad token', async () => {
    for (const route of apiRoutes.filter((r) => !r.public)) {
      const res = await call(route, {});
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      const bad = await call(route, bearer('not-a-real-token'));
      expect(bad.statusCode, `${route.method} ${route.url} with a bad token`).toBe(401);
    }
  });

  it('refuses a read-only app password on every route that changes state', async () => {
    const created = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/account/app-passwords',
      headers: bearer(stranger),
      payload: { name: 'reader', readOnly: true },
    });
    const secret = created.json<{ secret: string }>().secret;
    const unsafe = apiRoutes.filter((r) => !r.public && !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    expect(unsafe.length).toBeGreaterThan(25);
    for (const route of unsafe) {
      const res = await call(route, bearer(secret));
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('read_only');
    }
    expect(
      (await call({ method: 'GET', url: '/api/v1/folders/root' } as RouteInfo, bearer(secret))).statusCode,
    ).toBe(200);
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
    // Whoever something else is shared with is as much a stranger to the rest of the owner's drive.
    for (const [who, token] of [
      ['stranger', stranger],
      ['editor elsewhere', team.editor],
      ['viewer elsewhere', team.viewer],
    ] as const) {
      await refusedWithIds(withId, token, who);
    }
  });

  async function refusedWithIds(withId: RouteInfo[], token: string, who: string) {
    for (const route of withId) {
      const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
      const type = route.url.startsWith('/api/v1/uploads/')
        ? 'application/offset+octet-stream'
        : 'application/json';
      const res = await t.drive.app.inject({
        method: route.method as 'GET',
        url: concrete(route),
        headers: {
          ...bearer(token),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          ...(hasBody ? { 'content-type': type } : {}),
        },
        // A body valid for every route's schema, so each reaches its ownership check.
        ...(hasBody ? { payload: JSON.stringify(VALID_BODY) } : {}),
      });
      expect([404], `${who}: ${route.method} ${route.url}: ${res.body}`).toContain(res.statusCode);
    }
  }

  it('roles: an editor and a viewer read a shared item exactly as its owner does, a stranger not at all', async () => {
    // Who has access is the owner's to see; everything else a grantee reads as the owner does.
    const ownersOnly = '/api/v1/items/:id/access';
    const reads = apiRoutes.filter(
      (r) => itemRoute(r) && ['GET', 'HEAD'].includes(r.method) && r.url !== ownersOnly,
    );
    expect(reads.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const token of [team.editor, team.viewer]) {
      const res = await t.drive.app.inject({
        method: 'GET',
        url: `/api/v1/items/${team.folderId}/access`,
        headers: bearer(token),
      });
      if (res.statusCode !== 403) failures.push(`GET ${ownersOnly} by a grantee → ${res.statusCode}`);
    }
    for (const route of reads) {
      const as = async (token: string) =>
        (
          await t.drive.app.inject({
            method: route.method as 'GET',
            url: teamUrl(route),
            headers: bearer(token),
          })
        ).statusCode;
      const [own, edit, view, none] = [
        await as(owner.token),
        await as(team.editor),
        await as(team.viewer),
        await as(stranger),
      ];
      if (edit !== own || view !== own || none !== 404) {
        failures.push(
          `${route.method} ${route.url}: owner ${own}, editor ${edit}, viewer ${view}, stranger ${none}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });

  it('roles: a viewer is refused every write on a shared item, an editor what only the owner may', async () => {
    const writes = itemWriteRoutes(apiRoutes);
    expect(writes.length).toBeGreaterThan(15);
    const targets = {
      folderId: team.folderId,
      fileId: team.fileId,
      parentId: team.folderId,
      userId: owner.userId,
    };
    const ownerOnly = new Set([
      'POST /api/v1/folders/:id/lock',
      'PATCH /api/v1/folders/:id/lock',
      'DELETE /api/v1/folders/:id/lock',
      'PUT /api/v1/items/:id/access',
      'DELETE /api/v1/items/:id/access',
      'POST /api/v1/shares',
      'POST /api/v1/trash/restore',
      'POST /api/v1/trash/delete',
      'DELETE /api/v1/files/:id/versions/:versionId',
    ]);
    const failures: string[] = [];
    for (const route of writes) {
      const name = `${route.method} ${route.url}`;
      const viewer = await callWrite(t, team.viewer, route, targets);
      if (![403, 404].includes(viewer.statusCode)) failures.push(`viewer: ${name} → ${viewer.statusCode}`);
      if (!ownerOnly.has(name)) continue;
      const editor = await callWrite(t, team.editor, route, targets);
      if (editor.statusCode !== 403) failures.push(`editor: ${name} → ${editor.statusCode} ${editor.body}`);
    }
    expect(failures).toEqual([]);
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${team.fileId}/content`,
      headers: bearer(owner.token),
    });
    expect(content.body).toBe('v2');
  });

  it("answers 404 when a user names another user's ids in a body", async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/folders', { parentId: owner.folderId, name: 'x' }],
      ['POST', '/api/v1/items/trash', { ids: [owner.fileId] }],
      ['POST', '/api/v1/items/copy', { ids: [owner.fileId], parentId: owner.folderId }],
      ['POST', '/api/v1/trash/restore', { ids: [owner.fileId] }],
      ['POST', '/api/v1/trash/delete', { ids: [owner.fileId] }],
      ['POST', '/api/v1/items/star', { ids: [owner.fileId] }],
      ['POST', '/api/v1/items/unstar', { ids: [owner.fileId] }],
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

  it("quotas: only an admin reads or changes the drive settings or anyone's quota; /usage is the caller's own", async () => {
    const adminOnly = apiRoutes
      // The lookup of whom to share with is for users who may share (its own walk covers it).
      .filter((r) => r.url === '/api/v1/admin/settings' || r.url.startsWith('/api/v1/users'))
      .filter((r) => r.url !== '/api/v1/users/lookup')
      .map((r) => `${r.method} ${r.url} ${r.permission}`);
    expect(adminOnly).toContain('GET /api/v1/admin/settings admin');
    expect(adminOnly).toContain('PATCH /api/v1/admin/settings admin');
    expect(adminOnly.every((r) => r.endsWith(' admin'))).toBe(true);
    const me = (token: string) =>
      t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });
    const strangerId = (await me(stranger)).json<{ user: { id: string } }>().user.id;
    for (const [method, url, payload] of [
      ['PATCH', `/api/v1/users/${strangerId}`, { quotaBytes: null }],
      ['PATCH', '/api/v1/admin/settings', { defaultQuotaBytes: null }],
      ['GET', '/api/v1/admin/settings', undefined],
    ] as const) {
      const res = await t.drive.app.inject({
        method,
        url,
        headers: bearer(stranger),
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    const usage = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/usage',
      headers: bearer(stranger),
    });
    expect(usage.statusCode).toBe(200);
    const ownerUsed = (await me(owner.token)).json<{ user: { usedBytes: number } }>().user.usedBytes;
    expect(ownerUsed).toBeGreaterThan(0);
    expect(usage.json<{ usedBytes: number }>().usedBytes).toBe(
      (await me(stranger)).json<{ user: { usedBytes: number } }>().user.usedBytes,
    );
    // The route takes no id: a query naming someone else is not a way to read their usage.
    const named = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/usage?userId=${owner.userId}`,
      headers: bearer(stranger),
    });
    expect(named.json<{ usedBytes: number }>().usedBytes).not.toBe(ownerUsed);
  });

  /** Every spelling of every non-public route, sent over a real socket as written. */
  /** Every spelling of every non-public route (at `concrete` when given), sent over a real socket as written. */
  async function walkVariants(
    routes: (RouteInfo & { concrete?: string })[],
    headers: Record<string, string>,
    refused: (status: number) => boolean,
  ): Promise<string[]> {
    const failures: string[] = [];
    for (const route of routes) {
      const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
      for (const path of pathVariants(route.concrete ?? concrete(route))) {
        const res = await rawRequest(
          base,
          route.method,
          path,
          {
            ...headers,
            'tus-resumable': '1.0.0',
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          hasBody ? JSON.stringify({ ...VALID_BODY, username: 'eve', permissions: ['admin'] }) : undefined,
        );
        if (!refused(res.status)) failures.push(`${route.method} ${path} → ${res.status}`);
      }
    }
    return failures;
  }

  const refusedStatus = (status: number) => status >= 400 && status < 500;

  it('finding 1: refuses every encoded, doubled and dotted spelling of every route without a session', async () => {
    const closed = apiRoutes.filter((r) => !r.public);
    expect(pathVariants('/api/v1/users')).toContain('/%61pi/v1/users');
    const failures = await walkVariants(closed, {}, refusedStatus);
    expect(failures).toEqual([]);
    // The review's reproduction made an anonymous admin: nobody called eve exists.
    const users = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
    });
    expect(users.json<{ users: { username: string }[] }>().users.map((u) => u.username)).not.toContain('eve');
  });

  it('roles: refuses every encoded, doubled and dotted spelling of a write on a shared item to its viewer, and of a read to a stranger', async () => {
    const withTeamIds = (routes: RouteInfo[]) => routes.map((r) => ({ ...r, concrete: teamUrl(r) }));
    const writes = withTeamIds(apiRoutes.filter((r) => itemRoute(r) && !['GET', 'HEAD'].includes(r.method)));
    const reads = withTeamIds(apiRoutes.filter((r) => itemRoute(r) && ['GET', 'HEAD'].includes(r.method)));
    expect(writes.length).toBeGreaterThan(10);
    const failures = [
      ...(await walkVariants(writes, bearer(team.viewer), refusedStatus)),
      ...(await walkVariants(reads, bearer(stranger), refusedStatus)),
    ];
    expect(failures).toEqual([]);
  });

  it('finding 1: refuses every spelling of an admin route to a user without the permission', async () => {
    const admin = apiRoutes.filter((r) => r.permission === 'admin');
    expect(admin.length).toBeGreaterThan(5);
    const failures = await walkVariants(admin, bearer(stranger), refusedStatus);
    expect(failures).toEqual([]);
  });

  it('finding 1: refuses every spelling of a state-changing route signed in by cookie without the CSRF token', async () => {
    const login = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    const cookie = [login.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const unsafe = apiRoutes.filter((r) => !r.public && !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    const failures = await walkVariants(unsafe, { cookie }, refusedStatus);
    expect(failures).toEqual([]);
  });

  const BODY_IDS: Record<string, (id: string) => unknown> = {
    'body.ids': (id) => [id],
    'body.parentId': (id) => id,
    'body.itemId': (id) => id,
  };

  it('finding 10: every route that takes an id declares its lock rule, or why it needs none', () => {
    const withId = apiRoutes.filter((r) => r.url.includes(':id') && !r.public);
    const undeclared = withId.filter((r) => !r.locks && !r.lockExempt);
    expect(undeclared.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    for (const r of withId.filter((r) => r.lockExempt)) expect(r.lockExempt!.length).toBeGreaterThan(15);
  });

  it('finding 10: every route with a lock rule answers 423 for an item inside a closed locked folder', async () => {
    const ruled = apiRoutes.filter((r) => r.locks);
    expect(ruled.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const route of ruled) {
      const targets = Object.keys(route.locks!);
      const byPath = targets.some((k) => k === 'params.id' || k === 'upload' || k === 'share');
      const url = new URL(
        byPath ? concreteUrl(route, lockedIdFor(route.url, locked), locked.versionId) : route.url,
        'http://drive',
      );
      if (targets.includes('query.in')) url.searchParams.set('in', locked.folderId);
      if (targets.includes('query.ids')) url.searchParams.set('ids', locked.fileId);
      const body: Record<string, unknown> = { ...VALID_BODY, tagIds: [owner.tagId], add: [owner.tagId] };
      for (const target of targets) {
        const field = target.split('.')[1]!;
        if (BODY_IDS[target])
          body[field] = BODY_IDS[target]!(
            target === 'body.ids' && route.url.startsWith('/api/v1/trash') ? locked.trashedId : locked.fileId,
          );
      }
      if (targets.includes('body.parentId')) body.parentId = locked.folderId;
      const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
      const tus = route.url.startsWith('/api/v1/uploads/');
      const res = await t.drive.app.inject({
        method: route.method as 'GET',
        url: url.pathname + url.search,
        headers: {
          ...bearer(locked.token),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          ...(hasBody
            ? { 'content-type': tus ? 'application/offset+octet-stream' : 'application/json' }
            : {}),
        },
        ...(hasBody ? { payload: tus ? 'x' : JSON.stringify(body) } : {}),
      });
      if (res.statusCode !== 423)
        failures.push(`${route.method} ${url.pathname}${url.search} → ${res.statusCode} ${res.body}`);
    }
    expect(failures).toEqual([]);
  });

  it('finding 10: Starred and Recent leave out what lies inside a closed locked folder', async () => {
    // The session that locked the vault still has it open: it stars and reads what is inside.
    const opener = bearer(owner.token);
    const send = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
      t.drive.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
    expect(
      (await send('POST', '/items/star', opener, { ids: [locked.vaultId, locked.fileId] })).statusCode,
    ).toBe(200);
    expect((await send('GET', `/files/${locked.fileId}/content`, opener)).statusCode).toBe(200);
    const ids = async (url: string, headers: Record<string, string>) =>
      (await send('GET', url, headers)).json<{ items: { id: string }[] }>().items.map((i) => i.id);
    expect((await ids('/starred', opener)).sort()).toEqual([locked.fileId, locked.vaultId].sort());
    expect(await ids('/recent', opener)).toContain(locked.fileId);
    // A session that has not unlocked it sees the vault's own entry, and nothing from inside.
    const closed = bearer(locked.token);
    expect(await ids('/starred', closed)).toEqual([locked.vaultId]);
    expect(await ids('/recent', closed)).not.toContain(locked.fileId);
    for (const url of ['/starred', '/recent']) {
      expect((await send('GET', url, closed)).body, url).not.toContain('inside.txt');
    }
  });

  // WebDAV: one route pair (/dav and /dav/*) per method, signed in with Basic only.
  const DAV_BODIES: Record<string, string> = {
    PUT: 'changed',
    PROPPATCH:
      '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:lastmodified>1</D:lastmodified></D:prop></D:set></D:propertyupdate>',
    LOCK: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
  };
  const davRoutes = () => t.drive.routes.filter((r) => r.url === '/dav' || r.url.startsWith('/dav/'));
  const davUrl = (route: RouteInfo, path: string) => (route.url === '/dav' ? '/dav' : `/dav/${path}`);
  const usernameOf = async (token: string) =>
    (await t.drive.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).json<{
      user: { username: string };
    }>().user.username;

  it('WebDAV: every method asks for Basic credentials, and a bearer token or a cookie is not one', async () => {
    const routes = davRoutes();
    expect(routes.length).toBe(24);
    const login = await t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    const cookie = [login.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    for (const route of routes) {
      for (const headers of [{}, bearer(owner.token), { cookie }]) {
        const res = await t.drive.app.inject({
          method: route.method as 'GET',
          url: davUrl(route, 'private/'),
          headers,
        });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Basic realm="I Drive", charset="UTF-8"');
      }
    }
    const wrong = await t.drive.app.inject({
      method: 'PROPFIND',
      url: '/dav/',
      headers: basic('nobody-at-all', 'not-the-password'),
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('WebDAV: refuses a user without the permission a method needs', async () => {
    const needing = davRoutes().filter((r) => r.permission);
    expect(needing.map((r) => r.method).sort()).toEqual(
      ['COPY', 'DELETE', 'LOCK', 'MKCOL', 'MOVE', 'PROPPATCH', 'PUT', 'UNLOCK'].flatMap((m) => [m, m]).sort(),
    );
    for (const permission of ['upload', 'delete'] as Permission[]) {
      const others = (['upload', 'delete', 'share'] as Permission[]).filter((p) => p !== permission);
      const user = await t.createUser(others);
      const auth = basic(user.user.username, 'user-password-1');
      for (const route of needing.filter((r) => r.permission === permission)) {
        const res = await t.drive.app.inject({
          method: route.method as 'GET',
          url: davUrl(route, 'x.txt'),
          headers: { ...auth, destination: '/dav/y.txt' },
        });
        expect(res.statusCode, `${route.method} ${route.url} without ${permission}`).toBe(403);
      }
    }
  });

  it('WebDAV: refuses every encoded, doubled and dotted spelling without credentials, and dot segments with them', async () => {
    const routes = davRoutes().filter((r) => r.url !== '/dav');
    const failures: string[] = [];
    const auth = basic(await usernameOf(owner.token), 'user-password-1');
    for (const route of routes) {
      for (const path of pathVariants('/dav/private/secret.txt')) {
        const anonymous = await rawRequest(base, route.method, path, { destination: '/dav/copy.txt' });
        // 4xx from WebDAV, or what the web app's fallback answers for a path that is not WebDAV's.
        if (anonymous.status < 400) failures.push(`${route.method} ${path} → ${anonymous.status}`);
        if (!/\/(\.|%2e){1,2}\//i.test(path)) continue;
        const signed = await rawRequest(base, route.method, path, { ...auth, destination: '/dav/copy.txt' });
        if (signed.status !== 400) failures.push(`${route.method} ${path} signed in → ${signed.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('WebDAV: what is inside a closed locked folder answers 403 to every method, which changes nothing', async () => {
    const auth = basic(await usernameOf(locked.token), 'user-password-1');
    const failures: string[] = [];
    for (const route of davRoutes().filter((r) => r.url !== '/dav' && r.method !== 'OPTIONS')) {
      for (const path of ['vault/inside.txt', 'vault/inner/', 'vault/new.txt']) {
        const res = await t.drive.app.inject({
          method: route.method as 'GET',
          url: `/dav/${path}`,
          headers: {
            ...auth,
            depth: '1',
            destination: '/dav/outside.txt',
            'lock-token': '<opaquelocktoken:x>',
          },
          payload: DAV_BODIES[route.method] ?? '',
        });
        if (res.statusCode !== 403) failures.push(`${route.method} /dav/${path} → ${res.statusCode}`);
      }
      // Copying or moving something in from outside is refused the same way.
      if (route.method === 'COPY' || route.method === 'MOVE') {
        const res = await t.drive.app.inject({
          method: route.method as 'GET',
          url: '/dav/secret.txt',
          headers: { ...auth, destination: '/dav/vault/secret.txt' },
        });
        if (res.statusCode !== 403) failures.push(`${route.method} into the vault → ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
    const listing = await t.drive.app.inject({
      method: 'PROPFIND',
      url: '/dav/',
      headers: { ...auth, depth: '1' },
    });
    expect(listing.body).toContain('<D:href>/dav/vault/</D:href>');
    const content = await t.drive.app.inject({
      method: 'GET',
      url: `/api/v1/files/${locked.fileId}/content`,
      headers: bearer(owner.token),
    });
    expect(content.body).toBe('inside.txt');
  });

  it("finding 1: no one else's cancel, by any route or spelling, ended the owner's download", async () => {
    const cancel = await t.drive.app.inject({
      method: 'POST',
      url: `/api/v1/downloads/${owner.downloadId}/cancel`,
      headers: bearer(stranger),
    });
    expect(cancel.statusCode).toBe(404);
    expect(await inFlight.resume()).toEqual({ bytes: 16 * 1024 * 1024, complete: true });
  });
});
