import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { Usage } from '@idrive/shared';
import { newDriveUser, type DriveClient } from './drive-client.js';
import { bearer, type TestApp } from './test-app.js';

export type QuotaClient = DriveClient & { userId: string; root: string };

/** Sets a user's quota as the admin does (null: no limit). */
export async function setQuota(t: TestApp, userId: string, quotaBytes: number | null): Promise<void> {
  const res = await t.drive.app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${userId}`,
    headers: bearer(t.adminToken),
    payload: { quotaBytes },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** A new user with this quota. */
export async function userWithQuota(t: TestApp, quotaBytes: number | null): Promise<QuotaClient> {
  const u = await newDriveUser(t);
  await setQuota(t, u.userId, quotaBytes);
  return u;
}

export async function usageOf(u: DriveClient): Promise<Usage> {
  const res = await u.request('GET', '/usage');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Usage>();
}

/** Files under a directory of the data directory, at any depth (a store's half-written `.tmp` files left out). */
async function filesUnder(t: TestApp, dir: string): Promise<string[]> {
  const entries = await readdir(path.join(t.dataDir, dir), { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return entries
    .filter((e) => e.isFile() && !e.name.includes('.tmp'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * Everything a write could leave behind for a user: their versions, the chunk records, reservations,
 * resumable uploads and items, the deletion queue, staged tails and the store's objects. A refused
 * write must leave every one of them as it was.
 */
export async function footprint(t: TestApp, u: QuotaClient) {
  const repos = t.drive.repos;
  const versions = (await repos.versions.idsForOwner(u.userId)).sort();
  let chunks = 0;
  for (const id of versions) chunks += (await repos.versions.chunks(id)).length;
  return {
    versions,
    chunks,
    reservedBytes: await repos.quotas.reservedFor(u.userId),
    uploads: await repos.uploads.idsForOwner(u.userId),
    items: (await repos.items.subtree(u.root)).length,
    usedBytes: await u.usedBytes(),
    garbage: (await repos.versions.garbage(100_000)).length,
    staged: await filesUnder(t, 'staging'),
    objects: await filesUnder(t, 'chunks'),
  };
}

/** The 507 a refused write answers with. */
export function expectQuotaExceeded(res: { statusCode: number; body: string }): void {
  expect(res.statusCode, res.body).toBe(507);
  const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(error.code).toBe('quota_exceeded');
  expect(error.message).toMatch(/would exceed your quota of .+; .+ free$/);
}
