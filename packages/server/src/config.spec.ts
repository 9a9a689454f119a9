import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      adminUsername: 'admin',
      trashRetentionDays: 30,
      versionRetentionDays: 30,
      versionRetentionCount: 100,
      chunkSize: 8 * 1024 * 1024,
    });
  });

  it('names every bad variable', () => {
    const read = () =>
      loadConfig({
        PORT: 'eighty',
        IDRIVE_CHUNK_SIZE: '1000',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        IDRIVE_VERSION_RETENTION_COUNT: '0',
      });
    expect(read).toThrow(ConfigError);
    try {
      read();
    } catch (err) {
      const message = (err as Error).message;
      for (const name of [
        'PORT',
        'IDRIVE_CHUNK_SIZE',
        'DATABASE_URL',
        'LOG_LEVEL',
        'IDRIVE_VERSION_RETENTION_COUNT',
      ])
        expect(message).toContain(name);
      expect(message).toContain('multiple of 65536');
    }
  });

  it('reads a JSON file of the same names, with the environment winning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, HOST: '0.0.0.0', IDRIVE_SECURE_COOKIES: true }));
    const config = loadConfig({ IDRIVE_CONFIG_FILE: file, PORT: '9100' });
    expect(config.port).toBe(9100);
    expect(config.host).toBe('0.0.0.0');
    expect(config.secureCookies).toBe(true);
  });

  it('refuses a config file that is missing or not a JSON object', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '[1, 2]');
    expect(() => loadConfig({ IDRIVE_CONFIG_FILE: file })).toThrow(/IDRIVE_CONFIG_FILE/);
    expect(() => loadConfig({ IDRIVE_CONFIG_FILE: path.join(dir, 'none.json') })).toThrow(
      /IDRIVE_CONFIG_FILE/,
    );
  });

  it('reads a secret from the file its _FILE variable names, as compose secrets are given', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-config-'));
    const key = path.join(dir, 'master_key');
    const url = path.join(dir, 'database_url');
    writeFileSync(key, `${'ab'.repeat(32)}\n`);
    writeFileSync(url, 'postgres://idrive:secret@db:5432/idrive');
    const config = loadConfig({ IDRIVE_MASTER_KEY_FILE: key, DATABASE_URL_FILE: url });
    expect(config.masterKey).toBe('ab'.repeat(32));
    expect(config.databaseUrl).toBe('postgres://idrive:secret@db:5432/idrive');
  });

  it('turns cluster mode on with REDIS_URL, only beside PostgreSQL and a shared master key', () => {
    const cluster = {
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      DATABASE_URL: 'postgres://db/idrive',
      IDRIVE_MASTER_KEY: 'ab'.repeat(32),
    };
    expect(loadConfig(cluster)).toMatchObject({ redisUrl: cluster.REDIS_URL, redisPrefix: 'idrive:' });
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(() => loadConfig({ ...cluster, DATABASE_URL: undefined })).toThrow(/REDIS_URL: .*DATABASE_URL/);
    expect(() => loadConfig({ ...cluster, IDRIVE_MASTER_KEY: undefined })).toThrow(
      /REDIS_URL: .*IDRIVE_MASTER_KEY/,
    );
    expect(() => loadConfig({ ...cluster, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...cluster, REDIS_PREFIX: 'a b' })).toThrow(/REDIS_PREFIX/);
  });

  it('refuses a secret file that is missing, empty, or given beside the variable itself', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-config-'));
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => loadConfig({ IDRIVE_MASTER_KEY_FILE: path.join(dir, 'none') })).toThrow(
      /IDRIVE_MASTER_KEY_FILE: cannot read/,
    );
    expect(() => loadConfig({ IDRIVE_MASTER_KEY_FILE: empty })).toThrow(
      /IDRIVE_MASTER_KEY_FILE: .* is empty/,
    );
    expect(() => loadConfig({ IDRIVE_MASTER_KEY_FILE: empty, IDRIVE_MASTER_KEY: 'ab'.repeat(32) })).toThrow(
      /give only one/,
    );
  });

  it('takes a log format, or leaves it to the terminal', () => {
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});
