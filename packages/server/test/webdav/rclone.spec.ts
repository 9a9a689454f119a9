import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveClient, type DriveClient } from '../helpers/drive-client.js';
import { openEventSocket, type EventSocket } from '../helpers/event-socket.js';
import { Pattern } from '../helpers/pattern.js';
import { RCLONE, rcloneFor, VENDORS, type Rclone, type Vendor } from '../helpers/rclone.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

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

/** `<hash>  <name>` lines, as `rclone hashsum` prints them, of the files in a local folder. */
async function localSums(dir: string, hash: string): Promise<string[]> {
  const names = await readdir(dir);
  const sums = await Promise.all(
    names.map(
      async (n) =>
        `${createHash(hash)
          .update(await readFile(path.join(dir, n)))
          .digest('hex')}  ${n}`,
    ),
  );
  return sums.sort();
}

/**
 * Debian's rclone 1.60 (webdav backend) against a real listening server, once per vendor it is
 * documented with: a copy of ~1,000 files, a check by the checksums that vendor reads, and a sync
 * after changes on both sides. Both vendors send X-OC-Mtime and read oc:checksums; owncloud reads
 * SHA-1 and MD5 and streams uploads of unknown length, nextcloud reads SHA-1 only and does not.
 */
for (const [vendor, hashes] of Object.entries(VENDORS) as [Vendor, readonly string[]][]) {
  describe.runIf(existsSync(RCLONE))(`rclone over WebDAV, vendor ${vendor}`, { timeout: 300_000 }, () => {
    let t: TestApp;
    let work: string;
    let src: string;
    let files: number;
    let api: DriveClient;
    let events: EventSocket;
    let tools: Rclone;
    const rclone = (args: string[]) => tools.run(args);

    beforeAll(async () => {
      t = await startTestApp({ env: { IDRIVE_MAX_FILE_SIZE: String(200 * MiB) } });
      const user = await t.createUser(['upload', 'delete']);
      api = driveClient(t, user.token);
      const base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
      work = await mkdtemp(path.join(os.tmpdir(), 'idrive-rclone-'));
      src = path.join(work, 'src');
      files = await makeTree(src);
      tools = await rcloneFor({
        davUrl: `${base}/dav/`,
        username: user.user.username,
        password: 'user-password-1',
        vendor,
        home: work,
      });
      events = await openEventSocket(`${base.replace('http', 'ws')}/api/v1/events`, bearer(user.token));
    });
    afterAll(async () => {
      await tools?.killAll();
      await events?.close();
      await t?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('copies the tree, which then shows in the REST listing and announces itself live', async () => {
      expect(files).toBeGreaterThan(1000);
      // Old modification times, which must come across (X-OC-Mtime).
      await utimes(path.join(src, 'large one.bin'), 1_600_000_000, 1_600_000_000);
      const copy = await rclone(['copy', src, 'drive:tree', '--transfers', '8', '--checkers', '8']);
      expect(copy.code, copy.stderr).toBe(0);
      const tree = await api.at('tree');
      expect(tree.type).toBe('folder');
      expect((await api.list(tree.id)).items.map((i) => i.name).sort()).toEqual(
        ['docs', 'emoji 🎉', 'large one.bin', 'ünïcødé dir', 'большой.bin', 'фото', '写真'].sort(),
      );
      expect((await api.at('tree/large one.bin')).size).toBe(100 * MiB);
      expect((await api.at('tree/docs/part 0/vide 0.txt')).size).toBe(0);
      await events.waitFor((e) => e.type === 'item.created' && e.item.name === 'large one.bin', 5000);
      const listed = await rclone(['lsjson', 'drive:tree/large one.bin']);
      expect(JSON.parse(listed.stdout)[0].ModTime).toBe('2020-09-13T12:26:40Z');
    });

    it(`checks by ${hashes.join(' and ')} with no differences`, async () => {
      const check = await rclone(['check', src, 'drive:tree']);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toContain('0 differences found');
      expect(check.stderr).toContain(`${files} matching files`);
      expect(check.stderr).not.toContain('hashes could not be checked');
      // The hashes this vendor reads from oc:checksums, and the values the drive gives.
      const listed: { Hashes: Record<string, string> }[] = JSON.parse(
        (await rclone(['lsjson', '--hash', '--files-only', 'drive:tree/docs/part 0'])).stdout,
      );
      expect(listed).toHaveLength(50);
      for (const file of listed) expect(Object.keys(file.Hashes).sort()).toEqual([...hashes].sort());
      for (const hash of hashes) {
        const sums = await rclone(['hashsum', hash, 'drive:tree/docs/part 0']);
        expect(sums.stdout.split('\n').filter(Boolean).sort()).toEqual(
          await localSums(path.join(src, 'docs/part 0'), hash),
        );
      }
    });

    it('syncs after changes on both sides', async () => {
      await writeFile(path.join(src, 'docs/part 0/fichier-0-0-1 é.txt'), 'changed locally');
      await writeFile(path.join(src, 'new here.txt'), 'added locally');
      await unlink(path.join(src, 'docs/part 1/fichier-0-1-2 é.txt'));
      // The drive side, through the REST API: a file added, one given new bytes, one trashed; and one
      // deleted over WebDAV.
      await api.upload((await api.at('tree')).id, 'only on the drive.txt', 'remote only');
      const edited = await api.at('tree/写真/2024/part 2/fichier-2-2-5 é.txt');
      const replaced = await api.request('PUT', `/files/${edited.id}/content`, Buffer.from('edited online'));
      expect(replaced.statusCode).toBe(200);
      await api.trash((await api.at('tree/emoji 🎉/part 3/fichier-4-3-8 é.txt')).id);
      expect((await rclone(['deletefile', 'drive:tree/фото/part 0/fichier-1-0-3 é.txt'])).code).toBe(0);

      const sync = await rclone(['sync', src, 'drive:tree', '--transfers', '8']);
      expect(sync.code, sync.stderr).toBe(0);
      const check = await rclone(['check', src, 'drive:tree']);
      expect(check.stderr).toContain('0 differences found');
      expect(check.stderr).toContain(`${files} matching files`);
      expect(check.stderr).not.toContain('hashes could not be checked');
      expect((await api.content((await api.at('tree/docs/part 0/fichier-0-0-1 é.txt')).id)).toString()).toBe(
        'changed locally',
      );
      expect((await api.content((await api.at('tree/new here.txt')).id)).toString()).toBe('added locally');
      await expect(api.at('tree/docs/part 1/fichier-0-1-2 é.txt')).rejects.toThrow(/missing/);
      // The edit on the drive was overwritten; what sync removed went to the trash; what was
      // deleted on the drive only came back.
      expect((await api.content(edited.id)).toString()).toBe('content 2 2 5\n'.repeat(5));
      const trashed = (await api.trashList()).items.map((i) => i.name);
      expect(trashed).toContain('only on the drive.txt');
      expect(trashed).toContain('fichier-0-1-2 é.txt');
      for (const back of ['фото/part 0/fichier-1-0-3 é.txt', 'emoji 🎉/part 3/fichier-4-3-8 é.txt']) {
        expect((await api.at(`tree/${back}`)).size).toBeGreaterThan(0);
      }
      await events.waitFor((e) => e.type === 'item.created' && e.item.name === 'new here.txt', 5000);
    });
  });
}
