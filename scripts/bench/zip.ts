// Zip downloads: one large file (bound by bytes) and many small ones (bound by per-file work, here
// packed as a batch upload packs them), next to the plain download of the same large file and
// one-by-one downloads of the same small files, measured on the same server in the same run.
import { randomBytes } from 'node:crypto';
import { receive } from '../../packages/server/test/helpers/http-client.js';
import type { BenchContext } from './context.js';
import { startDrive, timedDownload, timedUpload, type Drive } from './drive.js';
import { FILE_LABEL, FILE_SIZE, percent, repeat, rows } from './rows.js';

const SMALL_FILES = 10_000;
const SMALL_FILE_BYTES = 10_000;
const BATCH = 1000;
const ENTRIES_PER_S = 5_000;

/** Stores `count` files of `bytes` in `folderId`, a folder per batch of 1,000; returns their ids. */
export async function fillSmall(
  drive: Drive,
  folderId: string,
  count = SMALL_FILES,
  bytes = SMALL_FILE_BYTES,
): Promise<string[]> {
  const ids: string[] = [];
  for (let first = 0; first < count; first += BATCH) {
    const form = new FormData();
    for (let i = first; i < Math.min(count, first + BATCH); i++) {
      form.append('file', new Blob([randomBytes(bytes)]), `d${Math.floor(i / BATCH)}/f${i}.bin`);
    }
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    const res = await fetch(`${drive.server.baseUrl}/api/v1/folders/${folderId}/batch`, {
      method: 'POST',
      headers: { ...drive.auth, 'content-type': encoded.headers.get('content-type')! },
      body: Buffer.from(await encoded.arrayBuffer()),
    });
    const { results } = (await res.json()) as { results: { item?: { id: string } }[] };
    for (const r of results) if (r.item) ids.push(r.item.id);
  }
  if (ids.length !== count) throw new Error(`batch upload stored ${ids.length} files`);
  return ids;
}

export async function zipRows(ctx: BenchContext): Promise<void> {
  const file = await ctx.bigFile();
  const drive = await startDrive('zip');
  try {
    const big = await drive.mkdir('zip-large');
    const { fileId } = await timedUpload(drive, big, 'large.bin', file, FILE_SIZE);
    const plain = await repeat(3, async () => (await timedDownload(drive, `/files/${fileId}/content`)).mbps);
    const large = await repeat(3, async () => (await timedDownload(drive, `/folders/${big}/zip`)).mbps);
    rows.push({
      metric: `zip: one ${FILE_LABEL} file`,
      value: large.median,
      unit: 'MB/s',
      target: '-',
      ceiling: `plain download ${plain.median.toFixed(0)} MB/s: ${percent(large.median, plain.median)}`,
      runs: large.runs,
    });

    const small = await drive.mkdir('zip-small');
    const ids = await fillSmall(drive, small);
    const first = await timedDownload(drive, `/folders/${small}/zip`);
    let lastMbps = 0;
    const again = await repeat(3, async () => {
      const zipped = await timedDownload(drive, `/folders/${small}/zip`);
      lastMbps = zipped.mbps;
      return SMALL_FILES / (zipped.ms / 1000);
    });
    const oneByOne = performance.now();
    for (const id of ids.slice(0, 1000)) {
      await receive(`${drive.server.baseUrl}/api/v1/files/${id}/content`, drive.auth, () => undefined);
    }
    const perFile = 1000 / ((performance.now() - oneByOne) / 1000);
    rows.push({
      metric: `zip: ${SMALL_FILES.toLocaleString('en')} files of ${SMALL_FILE_BYTES / 1000} kB (CRCs known)`,
      value: again.median,
      unit: 'entries/s',
      target: `≥ ${ENTRIES_PER_S.toLocaleString('en')} entries/s`,
      ceiling: `${lastMbps.toFixed(1)} MB/s; first zip (CRCs computed) ${(SMALL_FILES / (first.ms / 1000)).toFixed(0)} entries/s; one GET per file ${perFile.toFixed(0)} files/s`,
      pass: again.median >= ENTRIES_PER_S,
      runs: again.runs,
    });
  } finally {
    await drive.stop();
  }
}
