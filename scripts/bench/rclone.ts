// rclone crypt on the same machine, disk and file as our transfers: the yardstick our upload and
// download rows are printed against. A throwaway config holds a `local` remote on a temp dir and a
// `crypt` remote over it; nothing outside that temp dir is touched.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run, syncAll } from './processes.js';
import { FILE_LABEL, mbps, repeat, rows, type Spread } from './rows.js';

export interface RcloneCrypt {
  /** One timed upload of the file to crypt:bench.bin, in MB/s. */
  upload(): Promise<number>;
  /** One timed download of crypt:bench.bin into /dev/null, in MB/s. */
  download(): Promise<number>;
  /** Adds the upload and download rows for these runs. */
  pushRows(up: Spread, down: Spread): void;
  close(): Promise<void>;
}

/** "1.35× rclone crypt 520 MB/s": our figure next to rclone crypt's. */
export function versusRclone(ours: number, theirs: number): string {
  return `${(ours / theirs).toFixed(2)}× rclone crypt ${theirs.toFixed(0)} MB/s`;
}

export async function openRcloneCrypt(file: string, size: number): Promise<RcloneCrypt> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-rclone-'));
  const store = path.join(dir, 'store');
  const env = { RCLONE_CONFIG: path.join(dir, 'rclone.conf') };
  const rclone = (args: string[], discardStdout = false) =>
    run('rclone', args, { env, discardStdout }).catch((err: Error) => {
      if ('code' in err && err.code === 'ENOENT')
        throw new Error('rclone is not installed (apt install rclone)');
      throw err;
    });
  try {
    const obscured = (await rclone(['obscure', 'bench-password-1'])).stdout.trim();
    await writeFile(
      env.RCLONE_CONFIG,
      `[store]\ntype = local\n\n[crypt]\ntype = crypt\nremote = store:${store}\npassword = ${obscured}\n`,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const version = (await rclone(['version'])).stdout.split('\n')[0]!;
  return {
    async upload() {
      // A new file each time, as our uploads write new chunks: copyto would skip an identical one.
      await rclone(['deletefile', 'crypt:bench.bin']).catch(() => undefined);
      await syncAll();
      const copied = await rclone(['copyto', file, 'crypt:bench.bin']);
      // The local backend closes files without fsync; ours fsyncs every chunk, so an fsync is timed
      // in: `sync FILE` fsyncs just the one encrypted file rclone wrote.
      const [stored] = await readdir(store);
      const synced = await run('sync', [path.join(store, stored!)]);
      return mbps(size, copied.ms + synced.ms);
    },
    async download() {
      const { ms } = await rclone(['cat', 'crypt:bench.bin'], true);
      return mbps(size, ms);
    },
    pushRows(up, down) {
      rows.push({
        metric: `rclone crypt: upload ${FILE_LABEL} (copyto + fsync)`,
        value: up.median,
        unit: 'MB/s',
        target: '-',
        ceiling: `${version}, local remote in ${os.tmpdir()}`,
        runs: up.runs,
      });
      rows.push({
        metric: `rclone crypt: download ${FILE_LABEL} (cat > /dev/null)`,
        value: down.median,
        unit: 'MB/s',
        target: '-',
        runs: down.runs,
      });
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** rclone crypt alone: three uploads, then three downloads. */
export async function rcloneRows(file: string, size: number): Promise<void> {
  const crypt = await openRcloneCrypt(file, size);
  try {
    const up = await repeat(3, () => crypt.upload());
    const down = await repeat(3, () => crypt.download());
    crypt.pushRows(up, down);
  } finally {
    await crypt.close();
  }
}
