import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { openEventSocket, type EventSocket } from '../helpers/event-socket.js';
import { Pattern } from '../helpers/pattern.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

const exec = promisify(execFile);
const RCLONE = '/usr/bin/rclone';
const MiB = 1024 * 1024;

/** ~1,000 files in nested folders: small ones, empty ones, two of 100 MiB, names in several scripts. */
async function makeTree(root: string): Promise<number> {
  let count = 0;
  const dirs = ['docs', 'фото', '写真/2024', 'ünïcødé dir/deeper/deepest', 'emoji 🎉'];
  for (const [d, dir] of dirs.entries()) {
    for (let sub = 0; sub < 4; sub++) {
      const at = path.join(root, dir, `part ${sub}`);
      await mkdir(at, { recursive: true });
      for (let i = 0; i < 50; i++) {
        const name = i % 7 === 0 ? `vide ${i}.txt` : `fichier-${d}-${sub}-${i} é.txt`;
        await writeFile(path.join(at, name), i % 7 === 0 ? '' : `content ${d} ${sub} ${i}\n`.repeat(i));
        count++;
      }
    }
  }
  for (const name of ['large one.bin', 'большой.bin']) {
    const pattern = new Pattern(name, 100 * MiB);
    await writeFile(path.join(root, name), Buffer.concat([...pattern.pieces()]));
    count++;
  }
  return count;
}

/**
 * Debian's rclone (webdav backend, vendor owncloud: SHA-1 and MD5, X-OC-Mtime) against a real
 * listening server: a copy of ~1,000 files, a check by checksum, and a sync after changes on both sides.
 */
describe.runIf(existsSync(RCLONE))('rclone over WebDAV', { timeout: 300_000 }, () => {
  let t: TestApp;
  let work: string;
  let src: string;
  let files: number;
  let token: string;
  let events: EventSocket;
  let rcloneEnv: NodeJS.ProcessEnv;

  const rclone = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await exec(RCLONE, args, { env: rcloneEnv, maxBuffer: 64 * MiB });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { IDRIVE_MAX_FILE_SIZE: String(200 * MiB) } });
    const user = await t.createUser(['upload', 'delete']);
    token = user.token;
    const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    work = await mkdtemp(path.join(os.tmpdir(), 'idrive-rclone-'));
    src = path.join(work, 'src');
    files = await makeTree(src);
    const obscured = (await exec(RCLONE, ['obscure', 'user-password-1'])).stdout.trim();
    // Everything through the environment: no config file is read or written.
    rcloneEnv = {
      PATH: process.env.PATH,
      HOME: work,
      RCLONE_CONFIG: path.join(work, 'none.conf'),
      RCLONE_CONFIG_DRIVE_TYPE: 'webdav',
      RCLONE_CONFIG_DRIVE_URL: `${base}/dav/`,
      RCLONE_CONFIG_DRIVE_VENDOR: 'owncloud',
      RCLONE_CONFIG_DRIVE_USER: user.user.username,
      RCLONE_CONFIG_DRIVE_PASS: obscured,
    };
    events = await openEventSocket(`${base.replace('http', 'ws')}/api/v1/events`, bearer(token));
  });
  afterAll(async () => {
    await events?.close();
    await t.close();
    await rm(work, { recursive: true, force: true });
  });

  it('copies the tree, which then shows in the REST listing and announces itself live', async () => {
    expect(files).toBeGreaterThan(1000);
    // Old modification times, which must come across (X-OC-Mtime).
    await utimes(path.join(src, 'large one.bin'), 1_600_000_000, 1_600_000_000);
    const copy = await rclone('copy', src, 'drive:tree', '--transfers', '8', '--checkers', '8');
    expect(copy.code, copy.stderr).toBe(0);
    const root = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: bearer(token) })
    ).json<Listing>();
    const tree = root.items.find((i) => i.name === 'tree');
    expect(tree?.type).toBe('folder');
    const inTree = (
      await t.drive.app.inject({
        method: 'GET',
        url: `/api/v1/folders/${tree!.id}/children`,
        headers: bearer(token),
      })
    ).json<Listing>();
    expect(inTree.items.map((i) => i.name).sort()).toEqual(
      ['docs', 'emoji 🎉', 'large one.bin', 'ünïcødé dir', 'большой.bin', 'фото', '写真'].sort(),
    );
    await events.waitFor((e) => e.type === 'item.created' && e.item.name === 'large one.bin', 5000);
    const listed = await rclone('lsjson', 'drive:tree/large one.bin');
    expect(JSON.parse(listed.stdout)[0].ModTime).toBe('2020-09-13T12:26:40Z');
  });

  it('checks by SHA-1 and MD5 with no differences', async () => {
    const check = await rclone('check', src, 'drive:tree');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain('0 differences found');
    expect(check.stderr).toContain(`${files} matching files`);
    expect(check.stderr).not.toContain('hashes could not be checked');
    const sums = await rclone('md5sum', 'drive:tree/docs/part 0');
    expect(sums.stdout.split('\n').filter(Boolean)).toHaveLength(50);
  });

  it('syncs after changes on both sides', async () => {
    await writeFile(path.join(src, 'docs/part 0/fichier-0-0-1 é.txt'), 'changed locally');
    await writeFile(path.join(src, 'new here.txt'), 'added locally');
    await unlink(path.join(src, 'docs/part 1/fichier-0-1-2 é.txt'));
    // The drive side: a file added through the REST API, one deleted over WebDAV.
    const root = (
      await t.drive.app.inject({ method: 'GET', url: '/api/v1/folders/root', headers: bearer(token) })
    ).json<Listing>();
    const treeId = root.items.find((i) => i.name === 'tree')!.id;
    const put = await t.drive.app.inject({
      method: 'PUT',
      url: `/api/v1/folders/${treeId}/files/${encodeURIComponent('only on the drive.txt')}`,
      headers: bearer(token),
      payload: Buffer.from('remote only'),
    });
    expect(put.statusCode).toBe(201);
    expect((await rclone('deletefile', 'drive:tree/фото/part 0/fichier-1-0-3 é.txt')).code).toBe(0);
    const sync = await rclone('sync', src, 'drive:tree', '--transfers', '8');
    expect(sync.code, sync.stderr).toBe(0);
    const check = await rclone('check', src, 'drive:tree');
    expect(check.stderr).toContain('0 differences found');
    expect(check.stderr).toContain(`${files} matching files`);
    expect((await rclone('cat', 'drive:tree/docs/part 0/fichier-0-0-1 é.txt')).stdout).toBe(
      'changed locally',
    );
    const trash = await t.drive.app.inject({ method: 'GET', url: '/api/v1/trash', headers: bearer(token) });
    // What sync removed went to the trash; what was deleted on the drive only came back.
    expect(trash.body).toContain('only on the drive.txt');
    expect((await rclone('cat', 'drive:tree/фото/part 0/fichier-1-0-3 é.txt')).stdout).toContain(
      'content 1 0 3',
    );
  });
});
