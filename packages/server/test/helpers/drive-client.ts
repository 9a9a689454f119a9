import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type {
  BatchUploadResponse,
  Item,
  ItemDetails,
  Listing,
  MeResponse,
  TrashListing,
} from '@idrive/shared';
import { bearer, type TestApp } from './test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Thin helpers over `app.inject` for one signed-in user (bearer token), so tests read as API calls. */
export interface DriveClient {
  token: string;
  request(
    method: Method,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  rootId(): Promise<string>;
  list(folderId: string, query?: string): Promise<Listing>;
  /** The item at a path from the root (`a/b/c.txt`); throws when something on the way is missing. */
  at(path: string): Promise<Item>;
  mkdir(parentId: string, name: string): Promise<Item>;
  upload(parentId: string, name: string, body: Buffer | string, query?: string): Promise<Item>;
  /** Sends files in one multipart batch request; each `path` is relative to the folder. */
  batch(
    folderId: string,
    files: { path: string; data: Buffer | string }[],
    query?: string,
  ): Promise<BatchUploadResponse['results']>;
  item(id: string): Promise<ItemDetails>;
  size(id: string): Promise<number>;
  usedBytes(): Promise<number>;
  content(id: string): Promise<Buffer>;
  trash(...ids: string[]): Promise<void>;
  trashList(): Promise<TrashListing>;
  restore(...ids: string[]): Promise<Item[]>;
}

export function driveClient(t: TestApp, token: string): DriveClient {
  const auth = bearer(token);
  const api = (path: string) => (path.startsWith('/api/') ? path : `/api/v1${path}`);

  async function request(
    method: Method,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    const options: InjectOptions = { method, url: api(url), headers: { ...auth, ...headers } };
    if (payload !== undefined) options.payload = payload as InjectOptions['payload'];
    return t.drive.app.inject(options);
  }

  async function ok<T>(res: LightMyRequestResponse, status = 200): Promise<T> {
    if (res.statusCode !== status) {
      throw new Error(
        `${res.raw.req.method} ${res.raw.req.url}: expected ${status}, got ${res.statusCode} ${res.body}`,
      );
    }
    return res.json<T>();
  }

  const client: DriveClient = {
    token,
    request,
    async rootId() {
      return (await ok<MeResponse>(await request('GET', '/auth/me'))).user.rootFolderId;
    },
    async list(folderId, query = '') {
      return ok<Listing>(await request('GET', `/folders/${folderId}/children${query}`));
    },
    async at(path) {
      let found: Item | undefined;
      for (const name of path.split('/')) {
        const listing = await client.list(found?.id ?? (await client.rootId()), '?limit=10000');
        found = listing.items.find((i) => i.name === name);
        if (!found) throw new Error(`nothing at ${path}: ${name} is missing`);
      }
      return found!;
    },
    async mkdir(parentId, name) {
      return ok<Item>(await request('POST', '/folders', { parentId, name }), 201);
    },
    async upload(parentId, name, body, query = '') {
      const res = await request(
        'PUT',
        `/folders/${parentId}/files/${encodeURIComponent(name)}${query}`,
        typeof body === 'string' ? Buffer.from(body) : body,
        { 'content-type': 'application/octet-stream' },
      );
      return ok<Item>(res, 201);
    },
    async batch(folderId, files, query = '') {
      const { body, contentType } = await multipart(files);
      const res = await request('POST', `/folders/${folderId}/batch${query}`, body, {
        'content-type': contentType,
      });
      return (await ok<BatchUploadResponse>(res)).results;
    },
    async item(id) {
      return ok<ItemDetails>(await request('GET', `/items/${id}`));
    },
    async size(id) {
      return (await client.item(id)).size;
    },
    async usedBytes() {
      return (await ok<MeResponse>(await request('GET', '/auth/me'))).user.usedBytes;
    },
    async content(id) {
      const res = await request('GET', `/files/${id}/content`);
      if (res.statusCode !== 200) throw new Error(`content of ${id}: ${res.statusCode} ${res.body}`);
      return res.rawPayload;
    },
    async trash(...ids) {
      await ok(await request('POST', '/items/trash', { ids }));
    },
    async trashList() {
      return ok<TrashListing>(await request('GET', '/trash?limit=10000'));
    },
    async restore(...ids) {
      return (await ok<{ items: Item[] }>(await request('POST', '/trash/restore', { ids }))).items;
    },
  };
  return client;
}

/** A new user with every non-admin permission, and a client signed in as them. */
export async function newDriveUser(t: TestApp): Promise<DriveClient & { userId: string; root: string }> {
  const { user, token } = await t.createUser(['upload', 'delete', 'share']);
  return Object.assign(driveClient(t, token), { userId: user.id, root: user.rootFolderId });
}

/** A multipart/form-data body, encoded the way a browser's FormData is. */
export async function multipart(
  files: { path: string; data: Buffer | string }[],
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.data]), f.path);
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type')!,
  };
}
