// The Discord pace row for three instances of one drive (one PostgreSQL database, one Redis prefix)
// uploading at once: together they must keep Discord's limits as one instance does, and still use them.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_CHUNK_SIZE } from '@idrive/shared';
import { adminQuery } from '../../packages/server/test/helpers/test-db.js';
import { dropRedisPrefix } from '../../packages/server/test/helpers/test-redis.js';
import { BIG_FILE_DIR } from './context.js';
import { CHANNELS, CHUNKS_PER_MESSAGE, TIME_SCALE, onDiscord, paceRow } from './discord.js';
import { startDrive, timedUpload, type Drive } from './drive.js';
import { FILE_SIZE } from './rows.js';

const INSTANCES = 3;

/** The first `size` bytes of `file` in a file of their own (each instance uploads one such part). */
async function partOf(file: string, size: number): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(BIG_FILE_DIR, 'idrive-bench-part-'));
  const part = path.join(dir, 'part.bin');
  await pipeline(createReadStream(file, { start: 0, end: size - 1 }), createWriteStream(part));
  return { file: part, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Needs TEST_DATABASE_URL and TEST_REDIS_URL (cluster mode runs on PostgreSQL and Redis). The first
 * instance connects the emulator; the others find the credentials in the database. Each uploads a
 * third of the big file (whole chunks) at once; the pace is judged as for one instance.
 */
export async function clusterPaceRow(file: string): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!adminUrl || !redisUrl) return;
  const name = `idrive_bench_${randomBytes(6).toString('hex')}`;
  const prefix = `${name}:`;
  const partSize = Math.floor(FILE_SIZE / INSTANCES / DEFAULT_CHUNK_SIZE) * DEFAULT_CHUNK_SIZE;
  const part = await partOf(file, partSize);
  await adminQuery(adminUrl, `create database ${name}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${name}`;
  try {
    const first = await onDiscord({
      limits: true,
      timeScale: TIME_SCALE,
      env: {
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        IDRIVE_MASTER_KEY: randomBytes(32).toString('hex'),
      },
    });
    const others: Drive[] = [];
    try {
      for (let i = 1; i < INSTANCES; i++) others.push(await startDrive(`discord-${i}`, { env: first.env }));
      const drives = [first.drive, ...others];
      const startedAt = first.emulator.control.now();
      await Promise.all(
        drives.map((drive, i) => timedUpload(drive, drive.rootId, `cluster-${i}.bin`, part.file, partSize)),
      );
      paceRow(
        `Discord limits, ${CHANNELS} channels, ${INSTANCES} instances sharing Redis: upload pace (Discord time)`,
        first,
        {
          startedAt,
          fewestMessages: INSTANCES * Math.ceil(partSize / DEFAULT_CHUNK_SIZE / CHUNKS_PER_MESSAGE),
          bytes: INSTANCES * partSize,
        },
      );
    } finally {
      for (const drive of others) await drive.stop();
      await first.close();
    }
  } finally {
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    await dropRedisPrefix(redisUrl, prefix);
    await part.remove();
  }
}
