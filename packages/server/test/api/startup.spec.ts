import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginOver } from '../helpers/http-client.js';
import { SERVER_NODE_FLAGS, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const main = path.resolve(import.meta.dirname, '../../src/main.ts');

describe('start-up of the server process', { timeout: 120_000 }, () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let output = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-startup-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs as npm start does: the same V8 flags', async () => {
    const manifest = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../../../package.json'), 'utf8'),
    ) as {
      scripts: { start: string };
    };
    expect(manifest.scripts.start).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} packages/server/dist/main.js`);
  });

  it('stops with a message naming the variable when the configuration is bad', () => {
    const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
      env: { ...process.env, IDRIVE_DATA_DIR: dataDir, PORT: 'not-a-port', IDRIVE_CHUNK_SIZE: '12345' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PORT');
    expect(run.stderr).toContain('IDRIVE_CHUNK_SIZE');
  });

  it('creates a 0600 key file and an admin with a password printed once, which signs in', async () => {
    server = await startServerProcess({ IDRIVE_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    output = await server.output();
    // The JSON record's message, with its line breaks escaped: the password is on a line of its own.
    const password = /shown only this once[^"]*?(?:\\n)+ +([A-Za-z0-9_-]+)"/.exec(output)?.[1];
    expect(password, output).toBeTruthy();
    expect(output).toMatch(/master key/i);
    expect(output).toMatch(/lost/i);
    const key = await stat(path.join(dataDir, 'master.key'));
    expect(key.mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dataDir, 'master.key'), 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(await loginOver(server.baseUrl, 'admin', password!)).toBeTruthy();

    // On the next start neither the key nor the admin is made again, and the password is not printed.
    await server.stop();
    server = await startServerProcess({ IDRIVE_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const second = await server.output();
    expect(second).not.toMatch(/shown only this once/);
    expect(second).not.toMatch(/A new master key/);
    expect(await loginOver(server.baseUrl, 'admin', password!)).toBeTruthy();
  });
});
