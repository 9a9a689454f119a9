// "Shared with me" of a user with 10,000 items shared with them, one grant each: the first and the
// last page of 1,000, each the median of seven rounds, against the folder listing's target.
import path from 'node:path';
import type { SharedWithMeListing, User } from '@idrive/shared';
import { openDatabase } from '../../packages/server/src/db/database.js';
import { fillFolder } from '../../packages/web/test/e2e/drive.js';
import { loginOver } from '../../packages/server/test/helpers/http-client.js';
import { PASSWORD, type Drive } from './drive.js';
import { median, rows } from './rows.js';

const SHARED = 10_000;
const ROUNDS = 7;

/** Shares every item of `folderId` with a new user, straight in the database; returns that user's token. */
async function shareAll(drive: Drive, folderId: string): Promise<string> {
  const res = await fetch(`${drive.server.baseUrl}/api/v1/users`, {
    method: 'POST',
    headers: { ...drive.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-guest', password: PASSWORD }),
  });
  if (res.status !== 201) throw new Error(`creating a user answered ${res.status}`);
  const guest = (await res.json()) as User;
  const handle = openDatabase({ url: path.join(drive.dataDir, 'idrive.sqlite') });
  try {
    const items = await handle.db
      .selectFrom('items')
      .select('id')
      .where('parent_id', '=', folderId)
      .execute();
    const now = Date.now();
    await handle.db.transaction().execute(async (tx) => {
      for (let i = 0; i < items.length; i += 500) {
        const rowsOf = items.slice(i, i + 500).map(({ id }, k) => ({
          item_id: id,
          grantee_id: guest.id,
          role: 'viewer' as const,
          granted_by: null,
          granted_at: now - i - k,
        }));
        await tx.insertInto('user_shares').values(rowsOf).execute();
      }
    });
  } finally {
    await handle.db.destroy();
  }
  return loginOver(drive.server.baseUrl, 'bench-guest', PASSWORD);
}

export async function sharedWithMeRows(drive: Drive, me: User): Promise<void> {
  const folderId = await drive.mkdir('shared-ten-thousand');
  await fillFolder(drive.dataDir, me.id, folderId, SHARED);
  const token = await shareAll(drive, folderId);
  const page = async (offset: number) => {
    const t0 = performance.now();
    const res = await fetch(`${drive.server.baseUrl}/api/v1/shared-with-me?offset=${offset}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const listing = (await res.json()) as SharedWithMeListing;
    if (listing.total !== SHARED) throw new Error(`shared-with-me total is ${listing.total}`);
    return performance.now() - t0;
  };
  const first: number[] = [];
  const last: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    first.push(await page(0));
    last.push(await page(SHARED - 1000));
  }
  const worst = Math.max(median(first), median(last));
  rows.push({
    metric: `Shared with me, ${SHARED.toLocaleString('en')} items: slowest page of 1,000 (p50)`,
    value: worst,
    unit: 'ms',
    target: '≤ 150 ms',
    ceiling: `first ${median(first).toFixed(1)}, last ${median(last).toFixed(1)} ms`,
    pass: worst <= 150,
  });
}
