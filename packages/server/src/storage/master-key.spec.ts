import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.js';
import { loadOrCreateMasterKey, MasterKey } from './master-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MasterKey', () => {
  it('wraps a data key into 60 bytes and unwraps it for the same version only', () => {
    const master = new MasterKey(randomBytes(32));
    const dataKey = randomBytes(32);
    const versionId = randomUUID();
    const wrapped = master.wrap(dataKey, versionId);
    expect(wrapped.length).toBe(60);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(master.unwrap(wrapped, versionId)).toEqual(dataKey);
    expect(() => master.unwrap(wrapped, randomUUID())).toThrow(IntegrityError);
    expect(() => master.unwrap(wrapped, randomUUID())).toThrow(
      "The file's key could not be unwrapped: wrong master key or damaged record",
    );
    expect(() => new MasterKey(randomBytes(32)).unwrap(wrapped, versionId)).toThrow(IntegrityError);
    const bad = Buffer.from(wrapped);
    bad[20]! ^= 1;
    expect(() => master.unwrap(bad, versionId)).toThrow(IntegrityError);
    expect(() => master.unwrap(wrapped.subarray(0, 59), versionId)).toThrow(IntegrityError);
  });

  it('derives stable, label-bound keys', () => {
    const raw = randomBytes(32);
    const a = new MasterKey(raw).deriveKey('idrive/upload-staging/v1');
    expect(a.length).toBe(32);
    expect(new MasterKey(raw).deriveKey('idrive/upload-staging/v1')).toEqual(a);
    expect(new MasterKey(raw).deriveKey('idrive/other/v1')).not.toEqual(a);
    expect(a).not.toEqual(raw);
  });

  it('needs exactly 32 bytes', () => {
    expect(() => new MasterKey(randomBytes(31))).toThrow();
    expect(() => new MasterKey(randomBytes(64))).toThrow();
  });
});

describe('loadOrCreateMasterKey', () => {
  it('creates a 0600 key file once, warns loudly, and reuses it', async () => {
    const keyFile = path.join(dir, 'nested', 'data', 'master.key');
    const logs: string[] = [];
    const first = await loadOrCreateMasterKey({ keyFile, log: (m) => logs.push(m) });
    expect(first).toMatchObject({ created: true, source: 'file' });
    expect(logs.join('\n')).toMatch(/BACK IT UP/);
    expect(logs.join('\n')).toContain(keyFile);
    if (process.platform !== 'win32') expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);

    const again: string[] = [];
    const second = await loadOrCreateMasterKey({ keyFile, log: (m) => again.push(m) });
    expect(second).toMatchObject({ created: false, source: 'file' });
    expect(again).toEqual([]);
    const versionId = randomUUID();
    const dataKey = randomBytes(32);
    expect(second.key.unwrap(first.key.wrap(dataKey, versionId), versionId)).toEqual(dataKey);
  });

  it('takes the key from the environment as hex or base64', async () => {
    const raw = randomBytes(32);
    const keyFile = path.join(dir, 'master.key');
    const hex = await loadOrCreateMasterKey({ envValue: raw.toString('hex'), keyFile, log: () => {} });
    const b64 = await loadOrCreateMasterKey({ envValue: raw.toString('base64'), keyFile, log: () => {} });
    expect(hex).toMatchObject({ created: false, source: 'env' });
    expect(hex.key.equals(new MasterKey(raw))).toBe(true);
    expect(b64.key.equals(new MasterKey(raw))).toBe(true);
    await expect(stat(keyFile)).rejects.toThrow();
  });

  it('rejects a bad environment value without echoing it', async () => {
    const keyFile = path.join(dir, 'master.key');
    for (const envValue of [
      'abc',
      'zz'.repeat(32),
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('hex'),
    ]) {
      const err = await loadOrCreateMasterKey({ envValue, keyFile, log: () => {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('IDRIVE_MASTER_KEY');
      expect((err as Error).message).not.toContain(envValue);
    }
  });

  it('refuses a malformed key file instead of replacing it, and warns about loose permissions', async () => {
    const keyFile = path.join(dir, 'master.key');
    await writeFile(keyFile, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateMasterKey({ keyFile, log: () => {} })).rejects.toThrow(/master key file/);
    expect(await readFile(keyFile, 'utf8')).toBe('not a key\n');

    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`);
    await chmod(keyFile, 0o644);
    const logs: string[] = [];
    await loadOrCreateMasterKey({ keyFile, log: (m) => logs.push(m) });
    if (process.platform !== 'win32') expect(logs.join('\n')).toMatch(/chmod 600/);
  });
});
