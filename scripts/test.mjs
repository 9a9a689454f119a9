// The one test command: lint, type-check, build, then every vitest suite (unit, API, PostgreSQL
// when TEST_DATABASE_URL is set, large-file and browser tests). Ends with "N passed, N failed",
// counting each static check as one test, so CI has a single line to read.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const checks = [
  ['lint', 'npm', ['run', 'lint']],
  ['typecheck', 'npm', ['run', 'typecheck']],
  ['build', 'npm', ['run', 'build']],
];

let passed = 0;
let failed = 0;
for (const [name, cmd, args] of checks) {
  console.log(`\n== ${name} ==`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status === 0) passed++;
  else {
    failed++;
    console.log(`FAILED: ${name}`);
  }
}

console.log('\n== vitest ==');
const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-vitest-'));
const report = path.join(dir, 'report.json');
const extra = process.argv.slice(2);
spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  {
    stdio: 'inherit',
  },
);
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no tests to count; it still fails the run.
  failed += json.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
} catch {
  console.log('FAILED: vitest wrote no report');
  failed++;
}
rmSync(dir, { recursive: true, force: true });

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
