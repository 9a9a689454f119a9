import { spawnSync } from 'node:child_process';

/** What Python's zipfile module makes of an archive. */
export interface PythonZipReport {
  /** testzip(): the first entry whose CRC or header is wrong, or null when all are right. */
  bad: string | null;
  entries: { name: string; size: number; crc: number; dir: boolean; flags: number; sha256?: string }[];
}

const PYTHON_REPORT = `
import hashlib, json, sys, zipfile
path, with_hashes = sys.argv[1], sys.argv[2] == '1'
with zipfile.ZipFile(path) as z:
    bad = z.testzip()
    entries = []
    for info in z.infolist():
        e = {'name': info.filename, 'size': info.file_size, 'crc': info.CRC, 'dir': info.is_dir(), 'flags': info.flag_bits}
        if with_hashes and not info.is_dir():
            h = hashlib.sha256()
            with z.open(info) as f:
                for block in iter(lambda: f.read(1 << 20), b''):
                    h.update(block)
            e['sha256'] = h.hexdigest()
        entries.append(e)
print(json.dumps({'bad': bad, 'entries': entries}))
`;

/** Reads an archive with Python's zipfile: testzip() checks every CRC; `hashes` adds each file's SHA-256. */
export function pythonZipReport(file: string, hashes = false): PythonZipReport {
  const run = spawnSync('python3', ['-c', PYTHON_REPORT, file, hashes ? '1' : '0'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`python3 zipfile failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonZipReport;
}

/** `unzip -tq`: Info-ZIP's own check of every entry's CRC. */
export function unzipTest(file: string): { ok: boolean; output: string } {
  const run = spawnSync('unzip', ['-tq', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** The entry names as Info-ZIP lists them (`unzip -Z1`). */
export function unzipNames(file: string): string[] {
  const run = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`unzip -Z1 failed: ${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line.length > 0);
}

/** Extracts one entry with `unzip -p` (to stdout). */
export function unzipEntry(file: string, name: string): Buffer {
  const run = spawnSync('unzip', ['-p', file, name], { maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`unzip -p failed: ${run.stderr.toString()}`);
  return run.stdout;
}

/** Runs a Python snippet with the given arguments and returns what it printed. */
export function python(code: string, args: string[] = []): string {
  const run = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout;
}
