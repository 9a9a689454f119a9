import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPasswordList, ItemDetails, Listing, LoginResponse } from '@idrive/shared';
import { Pattern } from '../../server/test/helpers/pattern.js';
import { startServerProcess, type ServerProcess } from '../../server/test/helpers/server-process.js';
import { finished, runCli, spawnCli } from './cli-process.js';

const ADMIN = { username: 'admin', password: 'admin-password-1' };
const BIG = 100 * 1024 * 1024;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('the idrive command line against a real server', () => {
  let server: ServerProcess;
  let dir: string;
  let env: Record<string, string>;
  let secret: string;

  const cli = (...args: string[]) => runCli(args, env);
  const json = <T>(stdout: string) => JSON.parse(stdout) as T;

  /** The drive's REST API with the CLI's own app password. */
  async function api<T>(apiPath: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(server.baseUrl + apiPath, {
      ...init,
      headers: { authorization: `Bearer ${secret}`, ...(init.headers as Record<string, string>) },
    });
    if (!res.ok) throw new Error(`${apiPath}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async function remoteItem(remote: string): Promise<ItemDetails> {
    const parts = remote.split('/').filter(Boolean);
    let listing = await api<Listing>('/api/v1/folders/root');
    let found: { id: string } = listing.folder;
    for (const name of parts) {
      found = listing.items.find((i) => i.name === name)!;
      expect(found, `${remote}: ${name}`).toBeDefined();
      const details = await api<ItemDetails>(`/api/v1/items/${found.id}`);
      if (details.type === 'folder') listing = await api<Listing>(`/api/v1/folders/${found.id}/children`);
      else return details;
    }
    return api<ItemDetails>(`/api/v1/items/${found.id}`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-cli-'));
    await mkdir(path.join(dir, 'data'));
    server = await startServerProcess({
      IDRIVE_DATA_DIR: path.join(dir, 'data'),
      IDRIVE_ADMIN_USERNAME: ADMIN.username,
      IDRIVE_ADMIN_PASSWORD: ADMIN.password,
    });
    env = { XDG_CONFIG_HOME: path.join(dir, 'config') };
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password with the auth exit status, and needs a password without a terminal', async () => {
    const wrong = await runCli(['login', server.baseUrl, '--username', 'admin'], {
      ...env,
      IDRIVE_PASSWORD: 'nope',
    });
    expect(wrong.code).toBe(3);
    const none = await cli('login', server.baseUrl, '--username', 'admin');
    expect(none.code).toBe(2);
    await expect(stat(path.join(dir, 'config/idrive/config.json'))).rejects.toThrow();
  });

  it('logs in with an app password named after the host, kept in a 0600 file in a 0700 folder', async () => {
    const run = await runCli(['login', server.baseUrl, '--username', 'admin', '--json'], {
      ...env,
      IDRIVE_PASSWORD: ADMIN.password,
    });
    expect(run.code, run.stderr).toBe(0);
    const file = path.join(dir, 'config/idrive/config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const config = JSON.parse(await readFile(file, 'utf8')) as { url: string; secret: string };
    expect(config.url).toBe(server.baseUrl);
    expect(config.secret).toMatch(/^idrive_ap_/);
    expect(JSON.stringify(config)).not.toContain(ADMIN.password);
    secret = config.secret;
    const listed = await api<AppPasswordList>('/api/v1/account/app-passwords');
    expect(listed.appPasswords.map((p) => p.name)).toContain(`idrive on ${os.hostname()}`);
  });

  it('uploads a folder recursively, and --json output parses', async () => {
    const src = path.join(dir, 'album');
    await mkdir(path.join(src, 'day 1'), { recursive: true });
    await writeFile(path.join(src, 'cover.txt'), 'cover');
    for (let i = 0; i < 6; i++)
      await writeFile(path.join(src, 'day 1', `p${i}.bin`), Buffer.alloc(1000 + i, i));
    const run = await cli('upload', src, '/Photos/2024', '--jobs', '3', '--json');
    expect(run.code, run.stderr).toBe(0);
    const result = json<{ files: { status: string }[] }>(run.stdout);
    expect(result.files).toHaveLength(7);
    expect(result.files.every((f) => f.status === 'uploaded')).toBe(true);
    const listing = await cli('ls', '/Photos/2024/album/day 1', '--json');
    const names = json<{ items: { name: string; size: number }[] }>(listing.stdout).items.map((i) => i.name);
    expect(names.sort()).toEqual(['p0.bin', 'p1.bin', 'p2.bin', 'p3.bin', 'p4.bin', 'p5.bin']);
    expect((await remoteItem('/Photos/2024/album/day 1/p3.bin')).sha256).toBe(sha256(Buffer.alloc(1003, 3)));
    // Running it again sends nothing: the same files are there already.
    const again = json<{ files: { status: string }[] }>(
      (await cli('upload', src, '/Photos/2024', '--json')).stdout,
    );
    expect(again.files.every((f) => f.status === 'skipped')).toBe(true);
  });

  it('resumes an upload killed mid-file from the offset the server kept', async () => {
    const pattern = new Pattern('cli-resume', BIG);
    const big = path.join(dir, 'big.bin');
    await writeFile(big, Buffer.concat([...pattern.pieces()]));
    // Held to 20 MB/s, so that the kill lands mid-file however fast this machine is.
    const child = spawnCli(['upload', big, '/Big', '--bwlimit', '20M'], env);
    const run = finished(child);
    const state = path.join(dir, 'config/idrive/uploads.json');
    let uploadUrl: string | undefined;
    for (let i = 0; i < 500 && !uploadUrl; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const entries = await readFile(state, 'utf8').then(
        (t) => Object.values(JSON.parse(t) as Record<string, { uploadUrl: string }>),
        () => [],
      );
      uploadUrl = entries[0]?.uploadUrl;
    }
    expect(uploadUrl).toBeDefined();
    // The server answers HEAD only between PATCHes, so the kill is timed: about a third of the file in.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    expect((await run).signal).toBe('SIGKILL');
    const head = await fetch(uploadUrl!, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${secret}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    const kept = Number(head.headers.get('upload-offset'));
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(BIG);

    const resumed = await cli('upload', big, '/Big', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const [file] = json<{ files: { status: string; resumedFrom: number }[] }>(resumed.stdout).files;
    expect(file).toMatchObject({ status: 'uploaded', resumedFrom: kept });
    expect((await remoteItem('/Big/big.bin')).sha256).toBe(sha256(await readFile(big)));
    expect(JSON.parse(await readFile(state, 'utf8'))).toEqual({});
  }, 120_000);

  it('resumes the download of a partial local file with a Range request', async () => {
    const whole = await readFile(path.join(dir, 'big.bin'));
    const dest = path.join(dir, 'copy.bin');
    const part = 37 * 1024 * 1024 + 5;
    await writeFile(dest + '.idrive-part', whole.subarray(0, part));
    const run = await cli('download', '/Big/big.bin', dest, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json<{ files: { resumedFrom: number }[] }>(run.stdout).files[0]!.resumedFrom).toBe(part);
    expect(sha256(await readFile(dest))).toBe(sha256(whole));
    await expect(stat(dest + '.idrive-part')).rejects.toThrow();
  }, 60_000);

  it('fetches the whole file again when a partial local file holds other bytes', async () => {
    const whole = await readFile(path.join(dir, 'big.bin'));
    const dest = path.join(dir, 'stale.bin');
    await writeFile(dest + '.idrive-part', Buffer.alloc(3 * 1024 * 1024 + 1, 7));
    const run = await cli('download', '/Big/big.bin', dest, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json<{ files: { resumedFrom: number }[] }>(run.stdout).files[0]!.resumedFrom).toBe(0);
    expect(sha256(await readFile(dest))).toBe(sha256(whole));
  }, 60_000);

  it('sync --dry-run lists exactly the changes and makes none; sync then makes them', async () => {
    const local = path.join(dir, 'docs');
    await mkdir(path.join(local, 'old'), { recursive: true });
    await writeFile(path.join(local, 'keep.txt'), 'keep');
    await writeFile(path.join(local, 'edit.txt'), 'first');
    await writeFile(path.join(local, 'old', 'gone.txt'), 'gone');
    expect((await cli('sync', local, ':/Docs')).code).toBe(0);

    await writeFile(path.join(local, 'edit.txt'), 'second, longer');
    await writeFile(path.join(local, 'new.txt'), 'new');
    await rm(path.join(local, 'old'), { recursive: true });
    const before = await cli('ls', '/Docs', '--json');
    const dry = await cli('sync', local, ':/Docs', '--delete', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(json<{ changes: unknown[] }>(dry.stdout).changes).toEqual([
      { action: 'replace', path: 'edit.txt', size: 14 },
      { action: 'upload', path: 'new.txt', size: 3 },
      { action: 'delete', path: 'old' },
    ]);
    expect((await cli('ls', '/Docs', '--json')).stdout).toBe(before.stdout);

    const real = await cli('sync', local, ':/Docs', '--delete', '--json');
    expect(real.code, real.stderr).toBe(0);
    const names = json<{ items: { name: string }[] }>((await cli('ls', '/Docs', '--json')).stdout).items.map(
      (i) => i.name,
    );
    expect(names.sort()).toEqual(['edit.txt', 'keep.txt', 'new.txt']);
    expect((await remoteItem('/Docs/edit.txt')).sha256).toBe(sha256(Buffer.from('second, longer')));
    const after = await cli('sync', local, ':/Docs', '--delete', '--dry-run', '--json');
    expect(json<{ changes: unknown[] }>(after.stdout).changes).toEqual([]);
  });

  it('syncs the drive down, then finds nothing to do, also by checksum', async () => {
    const down = path.join(dir, 'docs-copy');
    await mkdir(down);
    await writeFile(path.join(down, 'stray.txt'), 'not on the drive');
    const run = await cli('sync', ':/Docs', down, '--delete', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(path.join(down, 'edit.txt'), 'utf8')).toBe('second, longer');
    await expect(stat(path.join(down, 'stray.txt'))).rejects.toThrow();
    for (const extra of [[], ['--checksum']]) {
      const again = await cli('sync', ':/Docs', down, '--delete', '--dry-run', '--json', ...extra);
      expect(json<{ changes: unknown[] }>(again.stdout).changes).toEqual([]);
    }
    // Same size, other bytes, old time: only the checksum notices.
    await writeFile(path.join(down, 'keep.txt'), 'KEEP');
    const remote = await remoteItem('/Docs/keep.txt');
    await utimes(path.join(down, 'keep.txt'), new Date(remote.updatedAt), new Date(remote.updatedAt));
    const bySum = await cli('sync', ':/Docs', down, '--dry-run', '--checksum', '--json');
    expect(json<{ changes: unknown[] }>(bySum.stdout).changes).toEqual([
      { action: 'download', path: 'keep.txt', size: 4 },
    ]);
  });

  it('moves, copies, shares, searches and trashes by path', async () => {
    expect((await cli('mv', '/Docs/new.txt', '/Docs/renamed.txt')).code).toBe(0);
    expect((await cli('cp', '/Docs/renamed.txt', '/Photos')).code).toBe(0);
    const share = await cli('share', '/Photos/renamed.txt');
    expect(share.code, share.stderr).toBe(0);
    expect(share.stdout.trim()).toMatch(new RegExp(`^${server.baseUrl}/s/[A-Za-z0-9_-]+$`));
    const found = json<{ items: { name: string }[] }>((await cli('search', 'renamed', '--json')).stdout);
    expect(found.items.map((i) => i.name)).toEqual(['renamed.txt', 'renamed.txt']);
    expect((await cli('rm', '/Photos/renamed.txt')).code).toBe(0);
    expect((await cli('ls', '/Photos/renamed.txt')).code).toBe(4);
  });

  it('exits 4 for a missing path, 2 for a bad command line, with a JSON error under --json', async () => {
    const missing = await cli('ls', '/no/such/folder', '--json');
    expect(missing.code).toBe(4);
    expect(json<{ error: { code: string; exitCode: number } }>(missing.stderr).error).toMatchObject({
      code: 'not_found',
      exitCode: 4,
    });
    expect((await cli('download', '/Nope.txt', path.join(dir, 'x'))).code).toBe(4);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('ls', '--no-such-flag')).code).toBe(2);
    expect((await cli('sync', dir, dir)).code).toBe(2);
  });

  it("prints the server's message, at once, when an upload would pass the quota", async () => {
    const session = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, bearer: true }),
    }).then((r) => r.json() as Promise<LoginResponse>);
    const setQuota = (quotaBytes: number | null) =>
      fetch(`${server.baseUrl}/api/v1/users/${session.user.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ quotaBytes }),
      });
    expect((await setQuota(session.user.usedBytes + 1000)).status).toBe(200);
    try {
      const local = path.join(dir, 'too-big.bin');
      await writeFile(local, Buffer.alloc(5000, 7));
      const started = Date.now();
      const run = await cli('upload', local, '/');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/4\.9 KB would exceed your quota of .+; 1000 B free/);
      // tus-js-client's retries would take 39 s: a 507 is not retried.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await cli('ls', '/', '--json')).stdout).not.toContain('too-big.bin');
    } finally {
      await setQuota(null);
    }
  });

  it('exits 3 once its app password is revoked, and logout revokes it', async () => {
    const session = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, bearer: true }),
    }).then((r) => r.json() as Promise<LoginResponse>);
    const asAdmin = { authorization: `Bearer ${session.token}` };
    const list = () =>
      fetch(`${server.baseUrl}/api/v1/account/app-passwords`, { headers: asAdmin }).then(
        (r) => r.json() as Promise<AppPasswordList>,
      );
    const [current] = (await list()).appPasswords;
    await fetch(`${server.baseUrl}/api/v1/account/app-passwords/${current!.id}`, {
      method: 'DELETE',
      headers: asAdmin,
    });
    expect((await cli('ls')).code).toBe(3);

    expect(
      (
        await runCli(['login', server.baseUrl, '--username', 'admin'], {
          ...env,
          IDRIVE_PASSWORD: ADMIN.password,
        })
      ).code,
    ).toBe(0);
    expect((await cli('ls')).code).toBe(0);
    expect((await list()).appPasswords).toHaveLength(1);
    const out = await cli('logout', '--json');
    expect(out.code, out.stderr).toBe(0);
    expect(json<{ revoked: boolean }>(out.stdout).revoked).toBe(true);
    expect((await list()).appPasswords).toHaveLength(0);
    await expect(stat(path.join(dir, 'config/idrive/config.json'))).rejects.toThrow();
    expect((await cli('ls')).code).toBe(3);
  });
});
