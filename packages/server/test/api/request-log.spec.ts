import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/request-log.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('request log', { timeout: 120_000 }, () => {
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-request-log-'));
    server = await startServerProcess({
      IDRIVE_DATA_DIR: dataDir,
      IDRIVE_ADMIN_PASSWORD: 'admin-password-1',
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finding 17: a share access grant or a token in the query string never reaches the log', async () => {
    const grant = 'grant-1764000000000.c2VjcmV0LW1hYy12YWx1ZQ';
    const token = 'bearer-token-in-the-query-Zm9vYmFy';
    await fetch(`${server.baseUrl}/api/v1/s/some-link/events?since=4&access=${grant}`);
    await fetch(`${server.baseUrl}/api/v1/folders/root?access_token=${token}`);
    await fetch(`${server.baseUrl}/api/v1/s/some-link/events?acc%65ss=${grant}x`);

    const output = await server.output();
    expect(output).toContain('/api/v1/s/some-link/events?since=4&access=[redacted]');
    expect(output).toContain('/api/v1/folders/root?access_token=[redacted]');
    expect(output).not.toContain(grant);
    expect(output).not.toContain(token);
  });

  it('finding 17: redacts only the credential parameters and keeps the rest of the URL', () => {
    expect(redactUrl('/api/v1/folders/root?sort=name')).toBe('/api/v1/folders/root?sort=name');
    expect(redactUrl('/api/v1/s/abc/zip?folder=1&access=x.y&b=2')).toBe(
      '/api/v1/s/abc/zip?folder=1&access=[redacted]&b=2',
    );
    expect(redactUrl('/x?access')).toBe('/x?access=[redacted]');
    expect(redactUrl('/x?accessible=1')).toBe('/x?accessible=1');
  });
});
