import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const RCLONE = '/usr/bin/rclone';
const MiB = 1024 * 1024;

/** The vendors rclone's webdav backend offers that this drive supports, and the hashes each reads. */
export const VENDORS = { owncloud: ['md5', 'sha1'], nextcloud: ['sha1'] } as const;
export type Vendor = keyof typeof VENDORS;

export interface RcloneResult {
  stdout: string;
  stderr: string;
  /** The exit status; -1 when it was killed (its time ran out). */
  code: number;
}

/** Debian's rclone with the drive as the remote `drive:`, each run bounded in time. */
export interface Rclone {
  run(args: string[], timeoutMs?: number): Promise<RcloneResult>;
  /** A long-running rclone (a mount), killed after `timeoutMs` if nothing stopped it before. */
  spawn(args: string[], timeoutMs: number): ChildProcess;
  /** Kills whatever is still running and waits for it to go. */
  killAll(): Promise<void>;
}

/**
 * Everything through the environment: no config file is read or written, and no proxy or other
 * setting of this machine reaches rclone, so it talks to the drive on 127.0.0.1 only.
 */
export async function rcloneFor(options: {
  davUrl: string;
  username: string;
  password: string;
  vendor: Vendor;
  home: string;
}): Promise<Rclone> {
  const children = new Set<ChildProcess>();
  const run = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
    new Promise<RcloneResult>((resolve) => {
      const child = execFile(
        RCLONE,
        args,
        { env, maxBuffer: 64 * MiB, timeout: timeoutMs, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          children.delete(child);
          const killed = err && typeof err.code !== 'number';
          resolve({
            stdout,
            stderr: killed ? `${stderr}\n(${err.message})` : stderr,
            code: err ? (killed ? -1 : (err.code as number)) : 0,
          });
        },
      );
      children.add(child);
    });
  const bare = { PATH: process.env.PATH, HOME: options.home };
  const obscured = (await run(['obscure', options.password], bare, 10_000)).stdout.trim();
  const env = {
    ...bare,
    RCLONE_CONFIG: path.join(options.home, 'none.conf'),
    RCLONE_CONFIG_DRIVE_TYPE: 'webdav',
    RCLONE_CONFIG_DRIVE_URL: options.davUrl,
    RCLONE_CONFIG_DRIVE_VENDOR: options.vendor,
    RCLONE_CONFIG_DRIVE_USER: options.username,
    RCLONE_CONFIG_DRIVE_PASS: obscured,
  };
  return {
    run: (args, timeoutMs = 180_000) => run(args, env, timeoutMs),
    spawn(args, timeoutMs) {
      const child = spawn(RCLONE, args, {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async killAll() {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
