import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const run = promisify(execFile);
const LITMUS = '/usr/bin/litmus';
/** Every suite litmus 0.13 has, and how many tests each runs. */
const SUITES = { basic: 16, copymove: 13, props: 30, locks: 41, http: 4 };

/** Debian's litmus against a real listening server: every test of every suite passes. */
describe.runIf(existsSync(LITMUS))('litmus', { timeout: 300_000 }, () => {
  let t: TestApp;
  let base: string;
  let username: string;
  let workDir: string;

  beforeAll(async () => {
    t = await startTestApp();
    username = (await t.createUser(['upload', 'delete'])).user.username;
    base = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    // litmus writes its debug log into the directory it runs in.
    workDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-litmus-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(workDir, { recursive: true, force: true });
  });

  for (const [suite, count] of Object.entries(SUITES)) {
    it(`passes the ${suite} suite`, async () => {
      const { stdout } = await run(LITMUS, ['-k', `${base}/dav/`, username, 'user-password-1'], {
        cwd: workDir,
        env: { ...process.env, TESTS: suite },
        timeout: 120_000,
        killSignal: 'SIGKILL',
      }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
      expect(stdout, stdout).toContain(
        `<- summary for \`${suite}': of ${count} tests run: ${count} passed, 0 failed. 100.0%`,
      );
      expect(stdout).not.toMatch(/WARNING/);
    });
  }
});
