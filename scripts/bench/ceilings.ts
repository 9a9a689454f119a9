// The machine's own ceilings, measured in the same run as the figures they bound: what one core
// does per byte the server handles (AES-256-GCM per segment plus SHA-256), and what the disk does
// per chunk the local store writes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { SEGMENT_SIZE } from '@idrive/shared';
import { SegmentCipher } from '../../packages/server/src/storage/segment-cipher.js';
import { MiB, mbps, repeat, rows, type Spread } from './rows.js';

export interface Ceilings {
  /** MB/s of seal + SHA-256 on one core: what an upload costs per byte. */
  seal: number;
  /** MB/s of open + SHA-256 on one core: what a download costs per byte. */
  open: number;
  /** MB/s of writing 8 MiB files with an fsync each: what the local store does per chunk. */
  disk: number;
}

const CRYPTO_BYTES = 512 * MiB;

function sealRun(cipher: SegmentCipher, plain: Buffer): { ms: number; sealed: Buffer[] } {
  const sealed: Buffer[] = [];
  const started = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < CRYPTO_BYTES / SEGMENT_SIZE; i++) {
    hash.update(plain);
    const s = cipher.seal(i, plain, false);
    if (i < 64) sealed.push(s);
  }
  hash.digest();
  return { ms: performance.now() - started, sealed };
}

function openRun(cipher: SegmentCipher, sealed: Buffer[]): number {
  const started = performance.now();
  const verify = createHash('sha256');
  for (let i = 0; i < CRYPTO_BYTES / SEGMENT_SIZE; i++) {
    verify.update(cipher.open(i % 64, sealed[i % 64]!, false));
  }
  verify.digest();
  return performance.now() - started;
}

/**
 * Writes 8 MiB to each of 64 new files, fsyncing each. On a virtual disk this, not the cipher, can be
 * what bounds an upload.
 */
async function diskRun(dir: string): Promise<number> {
  const chunk = randomBytes(8 * MiB);
  const count = 64;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const handle = await open(path.join(dir, `disk-ceiling-${i}`), 'w');
    await handle.write(chunk);
    await handle.sync();
    await handle.close();
  }
  const result = mbps(count * chunk.length, performance.now() - started);
  for (let i = 0; i < count; i++) await rm(path.join(dir, `disk-ceiling-${i}`));
  return result;
}

const row = (metric: string, spread: Spread) => ({
  metric,
  value: spread.median,
  unit: 'MB/s',
  target: '-',
  runs: spread.runs,
});

/** Measures the ceilings (disk in `dir`, which should be on the disk the drive stores its chunks on). */
export async function measureCeilings(dir: string): Promise<Ceilings> {
  const cipher = new SegmentCipher(randomBytes(32), randomUUID());
  const plain = randomBytes(SEGMENT_SIZE);
  const { sealed } = sealRun(cipher, plain);
  const seal = await repeat(3, async () => mbps(CRYPTO_BYTES, sealRun(cipher, plain).ms));
  const opened = await repeat(3, async () => mbps(CRYPTO_BYTES, openRun(cipher, sealed)));
  const disk = await repeat(3, () => diskRun(dir));
  rows.push(row('crypto ceiling: seal + SHA-256 (1 core)', seal));
  rows.push(row('crypto ceiling: open + SHA-256 (1 core)', opened));
  rows.push(row('disk ceiling: write 8 MiB files + fsync', disk));
  return { seal: seal.median, open: opened.median, disk: disk.median };
}
