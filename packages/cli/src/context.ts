import type { ApiClient } from './api-client.js';
import type { Bandwidth } from './bandwidth.js';
import type { ExitCode } from './exit-codes.js';
import type { Progress } from './progress.js';
import type { RemotePaths } from './remote-paths.js';

/** What a signed-in command is given. */
export interface CommandContext {
  api: ApiClient;
  paths: RemotePaths;
  progress: Progress;
  /** Aborted on Ctrl-C: transfers stop where they are, to be resumed by the next run. */
  signal: AbortSignal;
  /** `--bwlimit`: the rate every transfer of the command shares. */
  bandwidth?: Bandwidth | undefined;
}

/** What a command hands back: its JSON result, the lines a person reads, and the exit status. */
export interface CommandResult {
  json: unknown;
  lines?: string[];
  exitCode?: ExitCode;
}
