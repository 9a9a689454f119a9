// Pages of a 50,000-entry folder over the API: the first, the last and by size, and the whole folder
// in pages of 10,000, each the median of seven rounds; then Shared with me (shared-listing.ts).
import type { Listing, User } from '@idrive/shared';
import { fillFolder } from '../../packages/web/test/e2e/drive.js';
import { startDrive } from './drive.js';
import { sharedWithMeRows } from './shared-listing.js';
import { median, rows } from './rows.js';

const ENTRIES = 50_000;
const ROUNDS = 7;

export async function listingRows(): Promise<void> {
  const drive = await startDrive('listing');
  try {
    const folderId = await drive.mkdir('fifty-thousand');
    const me = (await (
      await fetch(`${drive.server.baseUrl}/api/v1/auth/me`, { headers: drive.auth })
    ).json()) as { user: User };
    // Written straight into the server's database, in one transaction.
    await fillFolder(drive.dataDir, me.user.id, folderId, ENTRIES);

    const page = async (query: string) => {
      const t0 = performance.now();
      const res = await fetch(`${drive.server.baseUrl}/api/v1/folders/${folderId}/children?${query}`, {
        headers: drive.auth,
      });
      const listing = (await res.json()) as Listing;
      if (listing.total !== ENTRIES) throw new Error(`listing total is ${listing.total}`);
      return { ms: performance.now() - t0, items: listing.items.length };
    };
    const timings = {
      first: [] as number[],
      last: [] as number[],
      bySize: [] as number[],
      full: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      timings.first.push((await page('limit=1000')).ms);
      timings.last.push((await page(`offset=${ENTRIES - 1000}&limit=1000`)).ms);
      timings.bySize.push((await page('sort=size&order=desc&limit=1000')).ms);
      const t0 = performance.now();
      let seen = 0;
      for (let offset = 0; offset < ENTRIES; offset += 10_000)
        seen += (await page(`offset=${offset}&limit=10000`)).items;
      if (seen !== ENTRIES) throw new Error(`listing returned ${seen} entries`);
      timings.full.push(performance.now() - t0);
    }
    const worstPage = Math.max(median(timings.first), median(timings.last), median(timings.bySize));
    rows.push({
      metric: `${ENTRIES}-entry folder: slowest page of 1,000 (p50)`,
      value: worstPage,
      unit: 'ms',
      target: '≤ 150 ms',
      ceiling: `first ${median(timings.first).toFixed(1)}, last ${median(timings.last).toFixed(1)}, by size ${median(timings.bySize).toFixed(1)} ms`,
      pass: worstPage <= 150,
    });
    rows.push({
      metric: `${ENTRIES}-entry folder: all entries, 5 pages of 10,000 (p50)`,
      value: median(timings.full),
      unit: 'ms',
      target: '-',
    });
    await sharedWithMeRows(drive, me.user);
  } finally {
    await drive.stop();
  }
}
