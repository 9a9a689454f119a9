import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { nameKey, type Item, type Listing, type MeResponse } from '@idrive/shared';
import { openDatabase } from '../../../server/src/db/database.js';
import { ItemRepository } from '../../../server/src/repositories/item.repository.js';
import { loginOver } from '../../../server/test/helpers/http-client.js';

/** One user's API, over real HTTP with a bearer token: how tests set the scene "from elsewhere". */
export interface DriveApi {
  userId: string;
  rootId: string;
  json<T>(method: string, apiPath: string, body?: unknown): Promise<T>;
  mkdir(parentId: string, name: string): Promise<Item>;
  put(parentId: string, name: string, content: string | Uint8Array): Promise<Item>;
}

export async function driveApi(baseUrl: string, username: string, password: string): Promise<DriveApi> {
  const token = await loginOver(baseUrl, username, password);
  const json = async <T>(method: string, apiPath: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/api/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const me = await json<MeResponse>('GET', '/auth/me');
  const root = await json<Listing>('GET', '/folders/root?limit=1');
  return {
    userId: me.user.id,
    rootId: root.folder.id,
    json,
    mkdir: (parentId, name) => json<Item>('POST', '/folders', { parentId, name }),
    put: async (parentId, name, content) => {
      const res = await fetch(
        `${baseUrl}/api/v1/folders/${parentId}/files/${encodeURIComponent(name)}?conflict=fail`,
        // A copy: fetch's DOM typing takes only views over a plain ArrayBuffer, not Node's Buffer.
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}` },
          body: typeof content === 'string' ? content : new Uint8Array(content),
        },
      );
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Item;
    },
  };
}

/**
 * `count` empty files named file-000000.txt… written straight into the server's database (the API
 * would take minutes for 50,000): listings, sorting and paging see them like any other entries.
 */
export async function fillFolder(
  dataDir: string,
  ownerId: string,
  folderId: string,
  count: number,
): Promise<void> {
  const handle = openDatabase({ url: path.join(dataDir, 'idrive.sqlite') });
  const now = Date.now();
  try {
    await handle.db.transaction().execute((tx) =>
      new ItemRepository(tx).insertMany(
        Array.from({ length: count }, (_, i) => {
          const name = `file-${String(i).padStart(6, '0')}.txt`;
          return {
            id: randomUUID(),
            owner_id: ownerId,
            parent_id: folderId,
            type: 'file' as const,
            name,
            name_key: nameKey(name),
            size: i,
            mime_type: 'text/plain',
            version_id: null,
            created_at: now,
            updated_at: now - i,
            trashed_at: null,
            trash_root_id: null,
            original_parent_id: null,
          };
        }),
      ),
    );
  } finally {
    await handle.db.destroy();
  }
}

/** Signs in through the form, as a person would, and waits until the app shows the signed-in user. */
export async function signIn(
  page: Page,
  baseUrl: string,
  password: string,
  username = 'admin',
): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The header's search form: on every signed-in page and every screen size.
  await page.getByRole('search').waitFor();
}

/** Picks an entry of the account menu in the header: Settings, Keyboard shortcuts, Sign out. */
export async function fromAccountMenu(page: Page, entry: string): Promise<void> {
  await page.getByRole('button', { name: /^Account: / }).click();
  await page
    .getByRole('menu', { name: /^Account: / })
    .getByRole('menuitem', { name: entry })
    .click();
}

/** Picks an entry of the sidebar's New menu: a new folder or text file, or an upload. */
export async function fromNewMenu(page: Page, entry: string): Promise<void> {
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByRole('menu', { name: 'New' }).getByRole('menuitem', { name: entry, exact: true }).click();
}

/** The names of the entries an item list inside `within` shows, top to bottom (placeholders left out). */
export async function listedNames(within: Locator): Promise<string[]> {
  return within
    .getByRole('row')
    .evaluateAll((rows) => rows.flatMap((row) => row.querySelector('.item-name')?.textContent?.trim() ?? []));
}
