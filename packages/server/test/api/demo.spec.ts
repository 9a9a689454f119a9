import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Item, Listing, StorageStatus } from '@idrive/shared';
import { freePort } from '../helpers/server-process.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** `npm run demo` as a person runs it (after the build): a drive on the emulated Discord, ready to use. */
describe('the offline demo', { timeout: 120_000 }, () => {
  let demo: ChildProcess | undefined;
  afterAll(() => {
    demo?.kill('SIGINT');
  });

  it('starts connected to the emulated Discord and stores files there', async () => {
    expect(existsSync(`${repoRoot}packages/server/dist/main.js`), 'run npm run build first').toBe(true);
    const port = await freePort();
    demo = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/demo.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), IDRIVE_ADMIN_PASSWORD: 'demo-test-password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain('I Drive demo is ready');

    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'demo-test-password', bearer: true }),
    });
    const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const status = (await (
      await fetch(`${base}/api/v1/admin/storage`, { headers: auth })
    ).json()) as StorageStatus;
    expect(status.writeTo).toBe('discord');
    expect(status.discord?.channels).toBe(4);

    const root = (await (await fetch(`${base}/api/v1/folders/root`, { headers: auth })).json()) as Listing;
    const body = randomBytes(200_000);
    const up = await fetch(`${base}/api/v1/folders/${root.folder.id}/files/demo.bin`, {
      method: 'PUT',
      headers: auth,
      body,
    });
    expect(up.status).toBe(201);
    const id = ((await up.json()) as Item).id;
    const down = Buffer.from(
      await (await fetch(`${base}/api/v1/files/${id}/content`, { headers: auth })).arrayBuffer(),
    );
    expect(down.equals(body)).toBe(true);
  });
});
