import http from 'node:http';
import type { FileVersionList, Item, Listing, SessionList } from '@idrive/shared';
import type { RouteInfo } from '../../src/app.js';
import { bearer, type TestApp } from './test-app.js';

/** What one user owns, so that every route taking an id can be called with a real one. */
export interface OwnerFixture {
  token: string;
  rootId: string;
  folderId: string;
  fileId: string;
  /** An earlier version of the file. */
  versionId: string;
  uploadId: string;
  sessionId: string;
  userId: string;
  shareId: string;
  tagId: string;
  appPasswordId: string;
  /** A download of the owner's, followed by the page while it is sent. */
  downloadId: string;
}

export async function setUpOwner(t: TestApp): Promise<OwnerFixture> {
  const a = await t.createUser(['upload', 'delete', 'share']);
  const auth = bearer(a.token);
  const inject = t.drive.app.inject.bind(t.drive.app);
  const root = (await inject({ method: 'GET', url: '/api/v1/folders/root', headers: auth })).json<Listing>();
  const folder = await inject({
    method: 'POST',
    url: '/api/v1/folders',
    headers: auth,
    payload: { parentId: root.folder.id, name: 'private' },
  });
  const file = await inject({
    method: 'PUT',
    url: `/api/v1/folders/${root.folder.id}/files/secret.txt`,
    headers: auth,
    payload: Buffer.from('draft'),
  });
  const versionId = await saveOver(t, auth, file.json<Item>().id, 'secret');
  const upload = await inject({
    method: 'POST',
    url: '/api/v1/uploads',
    headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': 'filename eA==' },
  });
  const sessions = await inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: auth });
  const share = await inject({
    method: 'POST',
    url: '/api/v1/shares',
    headers: auth,
    payload: { itemId: folder.json<Item>().id },
  });
  const tag = await inject({ method: 'POST', url: '/api/v1/tags', headers: auth, payload: { name: 'mine' } });
  const appPassword = await inject({
    method: 'POST',
    url: '/api/v1/account/app-passwords',
    headers: auth,
    payload: { name: 'mine' },
  });
  return {
    token: a.token,
    rootId: root.folder.id,
    folderId: folder.json<Item>().id,
    fileId: file.json<Item>().id,
    versionId,
    uploadId: (upload.headers.location as string).split('/').pop()!,
    sessionId: sessions.json<SessionList>().sessions[0]!.id,
    userId: a.user.id,
    shareId: share.json<{ id: string }>().id,
    tagId: tag.json<{ id: string }>().id,
    appPasswordId: appPassword.json<{ appPassword: { id: string } }>().appPassword.id,
    downloadId: 'owner-download-0001',
  };
}

/** Saves new text over a file and returns the id of the version it held before. */
export async function saveOver(
  t: TestApp,
  auth: { authorization: string },
  fileId: string,
  text: string,
): Promise<string> {
  const inject = t.drive.app.inject.bind(t.drive.app);
  await inject({ method: 'PUT', url: `/api/v1/files/${fileId}/content`, headers: auth, payload: text });
  const list = await inject({ method: 'GET', url: `/api/v1/files/${fileId}/versions`, headers: auth });
  return list.json<FileVersionList>().versions.find((v) => !v.current)!.id;
}

/** The owner's id for the :id of a route. */
export function ownerIdFor(url: string, owner: OwnerFixture): string {
  if (url.startsWith('/api/v1/folders/')) return owner.folderId;
  if (url.startsWith('/api/v1/files/') || url.startsWith('/api/v1/items/')) return owner.fileId;
  if (url.startsWith('/api/v1/uploads/')) return owner.uploadId;
  if (url.startsWith('/api/v1/auth/sessions/')) return owner.sessionId;
  if (url.startsWith('/api/v1/users/')) return owner.userId;
  if (url.startsWith('/api/v1/shares/')) return owner.shareId;
  if (url.startsWith('/api/v1/tags/')) return owner.tagId;
  if (url.startsWith('/api/v1/account/app-passwords/')) return owner.appPasswordId;
  if (url.startsWith('/api/v1/downloads/')) return owner.downloadId;
  // Admin routes: the permission check comes first, any well-formed id will do.
  if (url.startsWith('/api/v1/admin/')) return '123456789012345678';
  throw new Error(`No owner id known for ${url}: add it to the route walk`);
}

/** The route's URL with its parameters filled in (and a required query where a route has one). */
export function concreteUrl(route: RouteInfo, id: string, versionId: string): string {
  if (!route.url.includes(':')) return route.url;
  const url = route.url.replace(':id', id).replace(':versionId', versionId).replace(':name', 'new-name.txt');
  return url.endsWith('/archive/entry') ? `${url}?index=0` : url;
}

const hex = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');

/**
 * Spellings of the same path that a router may decode or normalise to the route while a check on the
 * raw string would not recognise it: percent-encoded letters (either case of hex), doubled slashes,
 * dot segments (plain and encoded), a trailing slash, encoded and backslash separators.
 */
export function pathVariants(url: string): string[] {
  const [path, query] = url.split('?') as [string, string | undefined];
  const segments = path.split('/').slice(1);
  const join = (parts: string[], sep = '/') => '/' + parts.join(sep);
  const variants = new Set<string>();
  segments.forEach((segment, i) => {
    if (!segment) return;
    const encodeFirst = (upper: boolean) => {
      const code = hex(segment[0]!);
      return (upper ? code.toUpperCase() : code) + segment.slice(1);
    };
    for (const upper of [false, true]) {
      variants.add(join(segments.map((s, j) => (j === i ? encodeFirst(upper) : s))));
    }
  });
  variants.add(join(segments.map((s) => [...s].map(hex).join(''))));
  variants.add('/' + path);
  variants.add(join(segments, '//'));
  variants.add(join([segments[0]!, '.', ...segments.slice(1)]));
  variants.add(join([segments[0]!, '%2e', ...segments.slice(1)]));
  variants.add(join([segments[0]!, 'x', '..', ...segments.slice(1)]));
  variants.add(join([segments[0]!, 'x', '%2e%2e', ...segments.slice(1)]));
  variants.add(path + '/');
  variants.add(join(segments, '%2f'));
  variants.add(join(segments, '\\'));
  variants.add(path.toUpperCase());
  return [...variants].map((v) => (query ? `${v}?${query}` : v));
}

export interface RawResponse {
  status: number;
  body: string;
}

/** A request whose path goes on the wire exactly as given (URL parsing would normalise it first). */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    // A connection each: a refusal may come before the body is read, which ends a kept-alive socket.
    const options = { host: hostname, port, method, path, headers: { ...headers, ...length }, agent: false };
    const req = http.request(options, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new Error(`${method} ${path}: ${err.message}`)));
    req.end(body);
  });
}

/** Ids inside a closed locked folder, and a session of its owner that has not unlocked it. */
export interface LockedFixture {
  token: string;
  vaultId: string;
  folderId: string;
  fileId: string;
  /** An earlier version of the file. */
  versionId: string;
  trashedId: string;
  uploadId: string;
  shareId: string;
}

export const VAULT_PASSWORD = 'vault-password-1';

/** Fills a folder, locks it, and signs the owner in again (locking opened it for the locking session). */
export async function setUpLockedFolder(t: TestApp, owner: OwnerFixture): Promise<LockedFixture> {
  const auth = bearer(owner.token);
  const inject = async (method: string, url: string, payload?: unknown, headers = {}) => {
    const res = await t.drive.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: { ...auth, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };
  const vault = (await inject('POST', '/folders', { parentId: owner.rootId, name: 'vault' })).json<Item>();
  const inner = (await inject('POST', '/folders', { parentId: vault.id, name: 'inner' })).json<Item>();
  const put = (name: string) =>
    inject('PUT', `/folders/${vault.id}/files/${name}`, Buffer.from(name)).then((r) => r.json<Item>());
  const file = await put('inside.txt');
  const versionId = await saveOver(t, auth, file.id, 'inside.txt');
  const trashed = await put('gone.txt');
  await inject('POST', '/items/trash', { ids: [trashed.id] });
  const upload = await inject('POST', '/uploads', undefined, {
    'tus-resumable': '1.0.0',
    'upload-length': '10',
    'upload-metadata': `filename ${Buffer.from('later.txt').toString('base64')},parentId ${Buffer.from(vault.id).toString('base64')}`,
  });
  const share = (await inject('POST', '/shares', { itemId: file.id })).json<{ id: string }>();
  await inject('POST', `/folders/${vault.id}/lock`, { password: VAULT_PASSWORD });
  const me = (await inject('GET', '/auth/me')).json<{ user: { username: string } }>();
  return {
    token: await t.login(me.user.username, 'user-password-1'),
    vaultId: vault.id,
    folderId: inner.id,
    fileId: file.id,
    versionId,
    trashedId: trashed.id,
    uploadId: (upload.headers.location as string).split('/').pop()!,
    shareId: share.id,
  };
}

/** The id inside the locked folder for the :id of a route. */
export function lockedIdFor(url: string, locked: LockedFixture): string {
  if (url.startsWith('/api/v1/folders/')) return locked.folderId;
  if (url.startsWith('/api/v1/files/') || url.startsWith('/api/v1/items/')) return locked.fileId;
  if (url.startsWith('/api/v1/uploads/')) return locked.uploadId;
  if (url.startsWith('/api/v1/shares/')) return locked.shareId;
  throw new Error(`No locked id known for ${url}: add it to the route walk`);
}
