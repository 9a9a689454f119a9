import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loginOver } from '../helpers/http-client.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/** The lines a person sees: colours and the terminal's carriage returns taken out, blank lines dropped. */
function screenLines(output: string): string[] {
  return (
    output
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
  );
}

function isJsonRecord(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && 'level' in value && 'msg' in value;
  } catch {
    return false;
  }
}

describe('the log on a terminal and off it', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  let server: ServerProcess | undefined;

  async function firstStart(env: Record<string, string>, terminal: boolean): Promise<string[]> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-log-'));
    dirs.push(dataDir);
    server = await startServerProcess({ IDRIVE_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env }, { terminal });
    await fetch(`${server.baseUrl}/api/v1/health`);
    return screenLines(await server.output());
  }

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('prints lines for a person on a terminal, the admin password on a line of its own', async () => {
    const lines = await firstStart({}, true);
    expect(lines.filter(isJsonRecord), lines.join('\n')).toEqual([]);

    const intro = lines.findIndex((line) => line.includes('Created the admin account "admin"'));
    expect(intro, lines.join('\n')).toBeGreaterThan(-1);
    expect(lines[intro]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: /);
    const password = lines[intro + 1]!.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await loginOver(server!.baseUrl, 'admin', password)).toBeTruthy();

    expect(lines).toContain('BACK IT UP NOW, somewhere other than this server, and keep it secret.');
    expect(lines.some((line) => /INFO: \[req-\d+\] request completed → 200 in [\d.]+ ms$/.test(line))).toBe(
      true,
    );
  });

  it('keeps JSON lines when the output is not a terminal, or LOG_FORMAT=json asks for them', async () => {
    for (const [env, terminal] of [
      [{}, false],
      [{ LOG_FORMAT: 'json' }, true],
    ] as const) {
      const lines = await firstStart(env, terminal);
      expect(lines.length).toBeGreaterThan(3);
      expect(
        lines.filter((line) => !isJsonRecord(line)),
        lines.join('\n'),
      ).toEqual([]);
      const admin = lines.map((line) => JSON.parse(line) as { msg: string }).find((r) => /admin/.test(r.msg));
      expect(admin?.msg).toMatch(/\n\n {4}[A-Za-z0-9_-]{16}$/);
      await server!.stop();
    }
  });
});
