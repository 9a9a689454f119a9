import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The V8 flags `npm start` gives the server (package.json's start script, checked by startup.spec):
 * a young generation of 1 MB semi-spaces instead of 16. Transfers keep their bytes outside the heap,
 * and each socket read of a request body is a 64 KiB buffer that dies at once; with a small young
 * generation those are collected every few MB instead of piling up (measured: 16 → 4 MB took ~20 MB
 * off an idle drive, 4 → 1 MB ~30 MB off the peak of a 1 GiB upload).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=1'];

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** What the process has printed so far (stdout and stderr). */
  output(): Promise<string>;
  /** Peak resident memory of the server process so far, in bytes (Linux VmHWM). */
  peakRss(): number;
  /** Resident memory of the server process now, in bytes (Linux VmRSS). */
  rss(): number;
  /** Stops the server; `kill -9` when `hard`, which is a crash: nothing gets to clean up. */
  stop(hard?: boolean): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the real server as its own process, as `npm start` would, and waits
 * until it answers /health.
 */
export async function startServerProcess(
  env: Record<string, string>,
  /**
   * `terminal`: stdout and stderr are a pseudo-terminal (util-linux `script`), as when run by hand;
   * `rss` and `peakRss` then measure `script`, not the server.
   */
  options: { port?: number; built?: boolean; terminal?: boolean } = {},
): Promise<ServerProcess> {
  const listenPort = options.port ?? (await freePort());
  // The built server is what `npm start` runs; the sources (through tsx) need no build step.
  const args = options.built
    ? [...SERVER_NODE_FLAGS, path.join(repoRoot, 'packages/server/dist/main.js')]
    : [
        ...SERVER_NODE_FLAGS,
        '--conditions=source',
        '--import',
        'tsx',
        path.join(repoRoot, 'packages/server/src/main.ts'),
      ];
  // Under `script` the child is script itself, which passes SIGTERM on to the server.
  const [file, argv] = options.terminal
    ? ['script', ['-qfec', [process.execPath, ...args].map(shellQuote).join(' '), '/dev/null']]
    : [process.execPath, args];
  const child = spawn(file, argv, {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(listenPort), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const baseUrl = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    baseUrl,
    // Give the log a moment to flush what start-up wrote.
    output: () => new Promise((resolve) => setTimeout(() => resolve(output), 200)),
    peakRss: () => procStatusBytes(child, 'VmHWM'),
    rss: () => procStatusBytes(child, 'VmRSS'),
    stop(hard = false) {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      });
    },
  };
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}

function procStatusBytes(child: ChildProcess, field: string): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}
