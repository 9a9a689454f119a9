import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './server-process.js';

const shippedConfig = fileURLToPath(new URL('../../../../deploy/haproxy.cfg', import.meta.url));

export interface Balancer {
  url: string;
  /** What haproxy printed (warnings, a backend going down). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Debian's haproxy in front of `backends` (base URLs), with the shipped deploy/haproxy.cfg: only its
 * server lines are replaced, so the settings tested are the ones a deployment gets.
 */
export async function startHaproxy(backends: string[]): Promise<Balancer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-haproxy-'));
  const servers = backends.map((url, i) => `  server drive${i + 1} ${new URL(url).host}`).join('\n');
  const shipped = await readFile(shippedConfig, 'utf8');
  const config = shipped.replace(/ {2}# servers\n[\s\S]*? {2}# end servers\n/, `${servers}\n`);
  if (config === shipped) throw new Error('deploy/haproxy.cfg has no "# servers" block to replace');
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const port = await freePort();
  const child = spawn('haproxy', ['-db', '-f', file], {
    env: { ...process.env, IDRIVE_BALANCER_BIND: `127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`haproxy did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
