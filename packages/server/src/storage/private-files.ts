import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { isErrnoCode } from './durable-fs.js';

/** Only the account the server runs as may list the data directory or read what is in it. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

// POSIX modes mean nothing on Windows; there the directory's ACL decides.
const posix = process.platform !== 'win32';

/**
 * Creates `dir` as 0700, or tightens an existing one that others can read (a `./data` made by hand or
 * by an older version is usually 0755), saying so through `log`. Modes are set with chmod, so the
 * result does not depend on the process's umask.
 */
export function preparePrivateDir(dir: string, log: (message: string) => void): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!posix) return;
  const mode = statSync(dir).mode & 0o777;
  if (mode === PRIVATE_DIR_MODE) return;
  chmodSync(dir, PRIVATE_DIR_MODE);
  if ((mode & 0o077) !== 0) {
    log(`The data directory ${dir} was readable by other users (mode ${mode.toString(8)}); it is now 700`);
  }
}

/**
 * Makes sure `file` exists with mode 0600 and tightens it if it is looser. Used for files another
 * library creates (SQLite's database), which would otherwise get 0644 minus the umask.
 */
export function ensurePrivateFile(file: string): void {
  // 'a' creates the file when missing and never truncates one that exists.
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  tightenFile(file);
}

/** Sets an existing file to 0600; a file that does not exist is left alone. */
export function tightenFile(file: string): void {
  if (!posix) return;
  try {
    if ((statSync(file).mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(file, PRIVATE_FILE_MODE);
  } catch (err) {
    if (!isErrnoCode(err, 'ENOENT')) throw err;
  }
}
