import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Listing } from '@idrive/shared';
import { loginOver } from '../../../server/test/helpers/http-client.js';

export const sha256 = (data: Buffer | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Every file below a local folder: relative path → SHA-256. */
export async function localTree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(tree, await localTree(full, `${prefix}${entry.name}/`));
    else tree[prefix + entry.name] = sha256(await readFile(full));
  }
  return tree;
}

/** Reads what the server stored, over the API with a token of its own. */
export async function storedTree(baseUrl: string, username: string, password: string) {
  const token = await loginOver(baseUrl, username, password);
  const get = (apiPath: string) =>
    fetch(`${baseUrl}/api/v1${apiPath}`, { headers: { authorization: `Bearer ${token}` } });

  /** Files and folders below a folder: relative path → SHA-256 of the content, or "folder". */
  async function tree(folderId: string, prefix = ''): Promise<Record<string, string>> {
    const listing = (await (await get(`/folders/${folderId}/children?limit=10000`)).json()) as Listing;
    const result: Record<string, string> = {};
    for (const item of listing.items) {
      if (item.type === 'folder') {
        result[`${prefix}${item.name}/`] = 'folder';
        Object.assign(result, await tree(item.id, `${prefix}${item.name}/`));
      } else {
        const res = await get(`/files/${item.id}/content`);
        result[prefix + item.name] = sha256(new Uint8Array(await res.arrayBuffer()));
      }
    }
    return result;
  }
  return { token, get, tree };
}

/**
 * Drops files or folders from the disk onto the page the way the operating system does: Chromium
 * gets the paths as native drag data (CDP Input.dispatchDragEvent), so a dropped folder arrives
 * as a real directory entry that the app has to walk. Like a hovering pointer, it keeps sending
 * dragover (at `at`, in the viewport) until `hovering()` sees the page react, then drops.
 */
export async function dropFromDisk(
  page: Page,
  paths: string[],
  hovering: () => Promise<boolean>,
  at: { x: number; y: number } = { x: 300, y: 300 },
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const event = (type: 'dragEnter' | 'dragOver' | 'drop') =>
    cdp.send('Input.dispatchDragEvent', {
      type,
      ...at,
      data: { items: [], files: paths, dragOperationsMask: 1 },
    });
  await event('dragEnter');
  for (let tries = 0; ; tries++) {
    await event('dragOver');
    if (await hovering()) break;
    if (tries === 50) throw new Error('the page never reacted to the drag');
    await page.waitForTimeout(100);
  }
  await event('drop');
  await cdp.detach();
}
