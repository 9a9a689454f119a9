import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import { openEventSocket, type EventSocket } from '../helpers/event-socket.js';
import { Pattern } from '../helpers/pattern.js';
import { RCLONE, rcloneFor, type Rclone } from '../helpers/rclone.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

const exec = promisify(execFile);
const FUSERMOUNT = '/usr/bin/fusermount3';
const MiB = 1024 * 1024;

function fuseUsable(): boolean {
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return existsSync(FUSERMOUNT) && existsSync(RCLONE);
}
const canMount = fuseUsable();

async function isMounted(at: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === at);
}

/**
 * `rclone mount` of /dav/ with its write cache (what a desktop user runs), driven through node:fs:
 * what is done in the mount point reaches the drive as WebDAV requests (MKCOL, PUT, MOVE, DELETE,
 * GET) and so shows in the REST API and on the live events socket.
 */
describe.runIf(canMount)(
  canMount
    ? 'rclone mount over WebDAV'
    : 'rclone mount over WebDAV (not run: it needs a usable /dev/fuse, fusermount3 and rclone)',
  { timeout: 120_000 },
  () => {
    let t: TestApp;
    let work: string;
    let mnt: string;
    let api: DriveClient;
    let events: EventSocket;
    let tools: Rclone;
    let mount: ChildProcess;
    let mountLog = '';
    /** What rclone says it has uploaded from its write cache (paths in the drive). */
    const uploaded = new Set<string>();
    const fromApi = new Pattern('uploaded through the REST API', 2 * MiB);
    const big = new Pattern('written through the mount', 5 * MiB + 123);

    beforeAll(async () => {
      t = await startTestApp();
      const user = await t.createUser(['upload', 'delete']);
      api = driveClient(t, user.token);
      const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
      work = await mkdtemp(path.join(os.tmpdir(), 'idrive-mount-'));
      mnt = path.join(work, 'mnt');
      await mkdir(mnt);
      await api.upload(await api.rootId(), 'from the api.bin', fromApi.at(0, fromApi.size));
      events = await openEventSocket(`${base.replace('http', 'ws')}/api/v1/events`, bearer(user.token));
      tools = await rcloneFor({
        davUrl: `${base}/dav/`,
        username: user.user.username,
        password: 'user-password-1',
        vendor: 'nextcloud',
        home: work,
      });
      // Written files go up a second after they are closed; the whole mount lives 110 s at most.
      mount = tools.spawn(
        [
          'mount',
          'drive:',
          mnt,
          '--vfs-cache-mode',
          'writes',
          '--vfs-write-back',
          '1s',
          '--cache-dir',
          path.join(work, 'cache'),
          '-v',
        ],
        110_000,
      );
      mount.stderr!.on('data', (d: Buffer) => {
        mountLog += d.toString();
        for (const [, done] of mountLog.matchAll(/INFO {2}: (.+): vfs cache: upload succeeded/g))
          uploaded.add(done!);
      });
      for (const until = Date.now() + 20_000; !(await isMounted(mnt));) {
        if (mount.exitCode !== null || mount.signalCode !== null || Date.now() > until) {
          throw new Error(`rclone mount did not come up:\n${mountLog}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    afterAll(async () => {
      if (mnt && (await isMounted(mnt))) {
        // A lazy unmount if something in the mount is still busy.
        await exec(FUSERMOUNT, ['-u', mnt], { timeout: 10_000 }).catch(() =>
          exec(FUSERMOUNT, ['-u', '-z', mnt], { timeout: 10_000 }).catch(() => undefined),
        );
      }
      await tools?.killAll();
      await events?.close();
      await t?.close();
      // Never into a mount that is still there: that would delete through it.
      if (work && !(await isMounted(mnt))) await rm(work, { recursive: true, force: true });
    });

    /** The names and sizes in a drive folder (the root without one), through the REST API. */
    const contents = async (folder?: string) =>
      (await api.list(folder ? (await api.at(folder)).id : await api.rootId())).items
        .map((i) => `${i.name} ${i.size}`)
        .sort();

    it('creates, writes, renames and deletes through the mount, and the drive holds exactly that', async () => {
      const dir = path.join(mnt, 'Mounted');
      await mkdir(dir);
      await writeFile(path.join(dir, 'big.bin'), big.at(0, big.size));
      await writeFile(path.join(dir, 'note.txt'), 'a note');
      await writeFile(path.join(dir, 'draft.txt'), 'to be renamed');
      await writeFile(path.join(dir, 'scratch.txt'), 'to be deleted');
      const names = ['big.bin', 'draft.txt', 'note.txt', 'scratch.txt'];
      await expect
        .poll(() => names.filter((n) => uploaded.has(`Mounted/${n}`)), { timeout: 30_000, interval: 100 })
        .toEqual(names);
      expect(await contents('Mounted')).toEqual([
        `big.bin ${big.size}`,
        'draft.txt 13',
        'note.txt 6',
        'scratch.txt 13',
      ]);

      // Once uploaded, a rename and a delete are a MOVE and a DELETE on the drive.
      await rename(path.join(dir, 'draft.txt'), path.join(dir, 'final.txt'));
      await unlink(path.join(dir, 'scratch.txt'));
      const kept = [`big.bin ${big.size}`, 'final.txt 13', 'note.txt 6'];
      await expect.poll(() => contents('Mounted'), { timeout: 30_000, interval: 250 }).toEqual(kept);
      expect(await contents()).toEqual([`Mounted ${big.size + 13 + 6}`, `from the api.bin ${fromApi.size}`]);
      expect((await readdir(dir)).sort()).toEqual(['big.bin', 'final.txt', 'note.txt']);

      expect((await api.content((await api.at('Mounted/big.bin')).id)).equals(big.at(0, big.size))).toBe(
        true,
      );
      expect((await api.content((await api.at('Mounted/final.txt')).id)).toString()).toBe('to be renamed');
      expect((await api.trashList()).items.map((i) => i.name)).toEqual(['scratch.txt']);

      await events.waitFor((e) => e.type === 'item.created' && e.item.name === 'Mounted', 5000);
      await events.waitFor((e) => e.type === 'item.created' && e.item.name === 'big.bin', 5000);
      await events.waitFor(
        (e) => e.type === 'item.updated' && e.change === 'renamed' && e.item.name === 'final.txt',
        5000,
      );
      await events.waitFor(
        (e) => e.type === 'item.deleted' && e.reason === 'trashed' && e.item.name === 'scratch.txt',
        5000,
      );
    });

    it('reads a file back byte-exact and lists the root', async () => {
      const read = await readFile(path.join(mnt, 'from the api.bin'));
      expect(read.equals(fromApi.at(0, fromApi.size))).toBe(true);
      expect((await readdir(mnt)).sort()).toEqual(['Mounted', 'from the api.bin'].sort());
      expect(mount.exitCode, mountLog).toBeNull();
    });
  },
);
