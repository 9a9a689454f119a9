// The gateways on the same big file: upload and download through WebDAV (curl with Basic auth) and
// through the `idrive` command line (its own process: tus up, a ranged GET down), each run in turn
// with rclone crypt on local disk, the tool a user would pick instead, and printed as a ratio to it.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD, startDrive } from './drive.js';
import { run, syncAll } from './processes.js';
import { openRcloneCrypt, versusRclone } from './rclone.js';
import { FILE_LABEL, FILE_SIZE, mbps, repeat, rows, spreadOf, type Spread } from './rows.js';

const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

/** curl's own time for a WebDAV request; throws unless it answered `status`. */
async function curlDav(args: string[], statuses: number[]): Promise<number> {
  const { stdout } = await run('curl', [
    '-sS',
    '-u',
    `admin:${PASSWORD}`,
    '-H',
    'expect:',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{time_total}',
    ...args,
  ]);
  const [status, seconds] = stdout.trim().split(' ');
  if (!statuses.includes(Number(status))) throw new Error(`WebDAV answered ${status}`);
  return Number(seconds) * 1000;
}

function row(metric: string, spread: Spread, rclone: number): void {
  rows.push({
    metric,
    value: spread.median,
    unit: 'MB/s',
    target: '–',
    ceiling: versusRclone(spread.median, rclone),
    runs: spread.runs,
  });
}

export async function gatewayRows(file: string): Promise<void> {
  const crypt = await openRcloneCrypt(file, FILE_SIZE);
  const drive = await startDrive('gateways');
  const work = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-cli-'));
  const env = { XDG_CONFIG_HOME: path.join(work, 'config'), IDRIVE_PASSWORD: PASSWORD };
  const dav = `${drive.server.baseUrl}/dav`;
  try {
    await run(process.execPath, [cli, 'login', drive.server.baseUrl, '--username', 'admin'], { env });
    const theirs = { up: [] as number[], down: [] as number[] };
    const davUp = await repeat(3, async (i) => {
      theirs.up.push(await crypt.upload());
      return mbps(FILE_SIZE, await curlDav(['-T', file, `${dav}/webdav-${i}.bin`], [201, 204]));
    });
    const cliUp = await repeat(3, async (i) => {
      theirs.up.push(await crypt.upload());
      await syncAll();
      const started = performance.now();
      await run(process.execPath, [cli, 'upload', file, `/cli-${i}`], { env, discardStdout: true });
      return mbps(FILE_SIZE, performance.now() - started);
    });
    const davDown = await repeat(3, async () => {
      theirs.down.push(await crypt.download());
      return mbps(FILE_SIZE, await curlDav([`${dav}/webdav-0.bin`], [200]));
    });
    const cliDown = await repeat(3, async (i) => {
      theirs.down.push(await crypt.download());
      const local = path.join(work, `down-${i}.bin`);
      const started = performance.now();
      await run(process.execPath, [cli, 'download', `/cli-0/${path.basename(file)}`, local], {
        env,
        discardStdout: true,
      });
      const ms = performance.now() - started;
      if ((await stat(local)).size !== FILE_SIZE) throw new Error('the CLI downloaded the wrong size');
      await rm(local);
      return mbps(FILE_SIZE, ms);
    });
    const up = spreadOf(theirs.up).median;
    const down = spreadOf(theirs.down).median;
    row(`WebDAV: upload ${FILE_LABEL} (curl PUT, Basic auth)`, davUp, up);
    row(`WebDAV: download ${FILE_LABEL} (curl GET)`, davDown, down);
    row(`idrive CLI: upload ${FILE_LABEL} (tus, fsynced on the server)`, cliUp, up);
    row(`idrive CLI: download ${FILE_LABEL} (to a local file, SHA-256 checked)`, cliDown, down);
  } finally {
    await drive.stop();
    await crypt.close();
    await rm(work, { recursive: true, force: true });
  }
}
