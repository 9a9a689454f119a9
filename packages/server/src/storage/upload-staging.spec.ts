import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.js';
import { DiskUploadStaging } from './upload-staging.js';

const RECORD_OVERHEAD = 4 + 8 + 12 + 16;
let dir: string;
let staging: DiskUploadStaging;
const key = randomBytes(32);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-staging-'));
  staging = new DiskUploadStaging(path.join(dir, 'staging'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileOf = (id: string) => path.join(dir, 'staging', `${id}.tail`);

describe('DiskUploadStaging', () => {
  it('appends records and loads them back from the base offset', async () => {
    const id = randomUUID();
    const a = randomBytes(1000);
    const b = randomBytes(3000);
    expect((await staging.load(id, key, 4096)).length).toBe(0);
    await staging.append(id, key, 4096, a);
    await staging.append(id, key, 5096, b);
    expect(await staging.load(id, key, 4096)).toEqual(Buffer.concat([a, b]));
    expect((await stat(fileOf(id))).size).toBe(4000 + 2 * RECORD_OVERHEAD);
  });

  it('never writes plaintext to disk', async () => {
    const id = randomUUID();
    const marker = Buffer.from('PLAINTEXT-MARKER-'.repeat(100));
    await staging.append(id, key, 0, marker);
    await staging.replace(randomUUID(), key, 0, marker);
    const stored = await readFile(fileOf(id));
    expect(stored.includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(false);
  });

  it('replaces atomically with one record, and removes on empty data', async () => {
    const id = randomUUID();
    await staging.append(id, key, 0, randomBytes(500));
    const tail = randomBytes(700);
    await staging.replace(id, key, 262_144, tail);
    expect(await staging.load(id, key, 262_144)).toEqual(tail);
    expect((await stat(fileOf(id))).size).toBe(700 + RECORD_OVERHEAD);
    await staging.replace(id, key, 262_144, Buffer.alloc(0));
    await expect(stat(fileOf(id))).rejects.toThrow();
    await staging.remove(id);
  });

  it('treats staging before the base offset as stale: empty, and the file is deleted', async () => {
    const id = randomUUID();
    await staging.append(id, key, 0, randomBytes(100));
    expect((await staging.load(id, key, 65_536)).length).toBe(0);
    await expect(stat(fileOf(id))).rejects.toThrow();
  });

  it('drops a final record cut short by a crash and keeps appending after the whole ones', async () => {
    const id = randomUUID();
    const a = randomBytes(100);
    await staging.append(id, key, 0, a);
    await staging.append(id, key, 100, randomBytes(200));
    const whole = 100 + RECORD_OVERHEAD;
    for (const cut of [whole + 3, whole + 30, whole + 200]) {
      await truncate(fileOf(id), cut);
      expect(await staging.load(id, key, 0)).toEqual(a);
      expect((await stat(fileOf(id))).size).toBe(whole);
      await staging.append(id, key, 100, randomBytes(200));
    }
    const c = randomBytes(50);
    await truncate(fileOf(id), whole);
    await staging.append(id, key, 100, c);
    expect(await staging.load(id, key, 0)).toEqual(Buffer.concat([a, c]));
  });

  it('throws IntegrityError for a tampered record, a wrong key or another upload’s file', async () => {
    const id = randomUUID();
    await staging.append(id, key, 0, randomBytes(100));
    await expect(staging.load(id, randomBytes(32), 0)).rejects.toThrow(IntegrityError);

    const other = randomUUID();
    await copyFile(fileOf(id), fileOf(other));
    await expect(staging.load(other, key, 0)).rejects.toThrow(IntegrityError);

    const bytes = await readFile(fileOf(id));
    bytes[30]! ^= 0x40;
    await writeFile(fileOf(id), bytes);
    await expect(staging.load(id, key, 0)).rejects.toThrow(IntegrityError);
  });

  it('validates upload ids and keys', async () => {
    await expect(staging.load('../../etc/passwd', key, 0)).rejects.toThrow(/upload id/);
    await expect(staging.append('not-a-uuid', key, 0, Buffer.alloc(1))).rejects.toThrow(/upload id/);
    await expect(staging.remove('x/../y')).rejects.toThrow(/upload id/);
    await expect(staging.append(randomUUID(), randomBytes(16), 0, Buffer.alloc(1))).rejects.toThrow(
      /32 bytes/,
    );
  });
});
