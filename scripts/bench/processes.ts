// Timed clients that run as their own processes (curl, rclone, sync), so that the bench process's own
// work — an emulator, a browser driver, the garbage collector — never sets a transfer's figure.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface Finished {
  stdout: string;
  ms: number;
}

/** Runs a command to completion; rejects with its stderr when it fails. `discardStdout` sends stdout to /dev/null. */
export function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; discardStdout?: boolean } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const devNull = options.discardStdout ? openSync('/dev/null', 'w') : undefined;
    const started = performance.now();
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', devNull ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (devNull !== undefined) closeSync(devNull);
      if (code === 0) resolve({ stdout, ms });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

export interface CurlUpload {
  status: number;
  ms: number;
  /** The response body (the new file's JSON on success). */
  body: string;
}

/** PUTs `file` with curl; the time is curl's own time_total, from connect to the last response byte. */
export async function curlUpload(url: string, token: string, file: string): Promise<CurlUpload> {
  const { stdout } = await run('curl', [
    '-sS',
    '-T',
    file,
    '-X',
    'PUT',
    '-H',
    `authorization: Bearer ${token}`,
    '-H',
    'content-type: application/octet-stream',
    // No "Expect: 100-continue" round trip before the body.
    '-H',
    'expect:',
    '-w',
    '\n%{http_code} %{time_total}',
    url,
  ]);
  const cut = stdout.lastIndexOf('\n');
  const [status, seconds] = stdout.slice(cut + 1).split(' ');
  return { status: Number(status), ms: Number(seconds) * 1000, body: stdout.slice(0, cut) };
}

export interface CurlDownload {
  status: number;
  ms: number;
  bytes: number;
}

/** GETs `url` with curl into /dev/null; the time is curl's time_total. */
export async function curlDownload(url: string, token: string): Promise<CurlDownload> {
  const { stdout } = await run('curl', [
    '-sS',
    '-H',
    `authorization: Bearer ${token}`,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download} %{time_total}',
    url,
  ]);
  const [status, bytes, seconds] = stdout.trim().split(' ');
  return { status: Number(status), bytes: Number(bytes), ms: Number(seconds) * 1000 };
}

/** Flushes dirty pages of every file system, so that one run's writeback is not billed to the next. */
export async function syncAll(): Promise<void> {
  await run('sync', []);
}
