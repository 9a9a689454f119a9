import { execFile } from 'node:child_process';
import path from 'node:path';

export interface ToolLimits {
  /** The address space the program may use, in bytes. */
  memoryBytes: number;
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Standard output past this fails the run (and kills the program). */
  maxOutputBytes: number;
  /** A file it writes past this size kills it (SIGXFSZ); standard output is a pipe, not a file. */
  maxFileBytes?: number;
  /** Where it runs: a private directory of the job's own, when it writes files. */
  cwd?: string;
}

/**
 * Runs an external program on a file or URL of ours and returns its standard output; fails with
 * the tail of its standard error. No shell: prlimit (util-linux) sets the address-space cap and then
 * becomes the program, so the caps, the timeout's SIGKILL and the abort all reach the program itself,
 * and every argument stays one argument. The environment is only PATH (ffmpeg would honour an
 * `http_proxy` variable, perl a `PERL5OPT`). `secret` (a one-time URL) is kept out of the error.
 */
export function runTool(
  program: string,
  args: string[],
  limits: ToolLimits,
  signal: AbortSignal,
  secret?: { text: string; as: string },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'prlimit',
      [
        `--as=${Math.floor(limits.memoryBytes)}`,
        ...(limits.maxFileBytes ? [`--fsize=${Math.floor(limits.maxFileBytes)}`] : []),
        '--',
        program,
        ...args,
      ],
      {
        encoding: 'buffer',
        maxBuffer: limits.maxOutputBytes,
        signal: AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]),
        killSignal: 'SIGKILL',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: limits.cwd,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const said = stderr.toString('utf8').trim().split('\n').slice(-3).join(' ');
        const why = err.name === 'AbortError' ? 'timed out or was stopped' : said || err.message;
        const text = secret ? why.replaceAll(secret.text, secret.as) : why;
        reject(new Error(`${path.basename(program)}: ${text}`));
      },
    );
  });
}
