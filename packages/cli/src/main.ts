#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ApiClient } from './api-client.js';
import { Bandwidth, parseRate } from './bandwidth.js';
import { loginCommand, logoutCommand } from './auth-commands.js';
import { loadConfig } from './config-store.js';
import type { CommandContext, CommandResult } from './context.js';
import { CliError, EXIT, usageError } from './exit-codes.js';
import { cpCommand, lsCommand, mvCommand, rmCommand, searchCommand, shareCommand } from './item-commands.js';
import { Progress } from './progress.js';
import { RemotePaths } from './remote-paths.js';
import { syncCommand } from './sync.js';
import { downloadCommand, uploadCommand } from './transfers.js';

const USAGE = `Usage: idrive [--json] COMMAND [ARGS]

  login URL [--username NAME] [--read-only]   sign in; keeps an app password in the config file
  logout                                      revoke this computer's app password
  ls [PATH]                                   list a folder (default /)
  upload LOCAL... REMOTE_DIR [--jobs N] [--replace]
  download REMOTE LOCAL [--jobs N]
  sync LOCAL :REMOTE | sync :REMOTE LOCAL [--dry-run] [--delete] [--checksum] [--jobs N]
  mv SRC DEST                                 move or rename
  cp SRC DEST_DIR                             copy into a folder
  rm PATH...                                  move to the trash
  share PATH [--password P] [--expires DATE] [--max-downloads N] [--upload]
  search QUERY [--limit N]

Transfers take --bwlimit RATE (e.g. 10M: bytes per second, shared by all of them).

Exit status: 0 ok, 1 failure, 2 usage, 3 auth, 4 not found, 5 conflict, 6 network, 130 interrupted.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  jobs: { type: 'string', short: 'j' },
  replace: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  delete: { type: 'boolean' },
  checksum: { type: 'boolean', short: 'c' },
  username: { type: 'string', short: 'u' },
  'read-only': { type: 'boolean' },
  password: { type: 'string' },
  expires: { type: 'string' },
  'max-downloads': { type: 'string' },
  upload: { type: 'boolean' },
  limit: { type: 'string' },
  bwlimit: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive whole number`);
  return n;
}

function expect(args: string[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) throw usageError(`Usage: idrive ${usage}`);
}

async function signedIn(
  json: boolean,
  signal: AbortSignal,
  bwlimit: string | undefined,
): Promise<CommandContext> {
  const config = await loadConfig();
  const api = new ApiClient(config.url, config.secret);
  const live = process.stderr.isTTY === true && !json;
  const bandwidth = bwlimit === undefined ? undefined : new Bandwidth(parseRate(bwlimit));
  return {
    api,
    paths: new RemotePaths(api),
    progress: new Progress({ live, quiet: json }),
    signal,
    bandwidth,
  };
}

async function run(
  command: string,
  args: string[],
  values: Values,
  signal: AbortSignal,
): Promise<CommandResult> {
  const json = values.json === true;
  const jobs = positiveInt(values.jobs, 'jobs', 4);
  switch (command) {
    case 'login':
      expect(args, 1, 1, 'login URL');
      return loginCommand(args[0]!, { username: values.username, readOnly: values['read-only'] === true });
    case 'logout':
      expect(args, 0, 0, 'logout');
      return logoutCommand();
  }
  const ctx = await signedIn(json, signal, values.bwlimit);
  try {
    switch (command) {
      case 'ls':
        expect(args, 0, 1, 'ls [PATH]');
        return await lsCommand(ctx, args[0]);
      case 'upload':
        expect(args, 2, Infinity, 'upload LOCAL... REMOTE_DIR');
        return await uploadCommand(ctx, args.slice(0, -1), args.at(-1)!, {
          jobs,
          replace: values.replace === true,
        });
      case 'download':
        expect(args, 2, 2, 'download REMOTE LOCAL');
        return await downloadCommand(ctx, args[0]!, args[1]!, { jobs });
      case 'sync':
        expect(args, 2, 2, 'sync LOCAL :REMOTE | sync :REMOTE LOCAL');
        return await syncCommand(ctx, args[0]!, args[1]!, {
          dryRun: values['dry-run'] === true,
          delete: values.delete === true,
          checksum: values.checksum === true,
          jobs,
        });
      case 'mv':
        expect(args, 2, 2, 'mv SRC DEST');
        return await mvCommand(ctx, args[0]!, args[1]!);
      case 'cp':
        expect(args, 2, 2, 'cp SRC DEST_DIR');
        return await cpCommand(ctx, args[0]!, args[1]!);
      case 'rm':
        expect(args, 1, Infinity, 'rm PATH...');
        return await rmCommand(ctx, args);
      case 'share':
        expect(args, 1, 1, 'share PATH');
        return await shareCommand(ctx, args[0]!, {
          password: values.password,
          expiresAt: values.expires,
          maxDownloads:
            values['max-downloads'] === undefined
              ? undefined
              : positiveInt(values['max-downloads'], 'max-downloads', 1),
          upload: values.upload === true,
        });
      case 'search':
        expect(args, 1, 1, 'search QUERY');
        return await searchCommand(ctx, args[0]!, { limit: positiveInt(values.limit, 'limit', 100) });
      default:
        throw usageError(`Unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    ctx.progress.close();
  }
}

function report(err: unknown, json: boolean): number {
  const cli =
    err instanceof CliError
      ? err
      : new CliError(EXIT.failure, err instanceof Error ? err.message : String(err));
  if (json) {
    process.stderr.write(
      JSON.stringify({
        error: { code: cli.code ?? 'failure', message: cli.message, exitCode: cli.exitCode },
      }) + '\n',
    );
  } else process.stderr.write(`idrive: ${cli.message}\n`);
  return cli.exitCode;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return report(usageError(`${(err as Error).message}\n\n${USAGE}`), argv.includes('--json'));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  // The first Ctrl-C stops transfers where they are (the next run resumes them); a second one quits.
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    interrupt.abort();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
  try {
    const result = await run(command, args, values, interrupt.signal);
    if (values.json) process.stdout.write(JSON.stringify(result.json, null, 2) + '\n');
    else if (result.lines?.length) process.stdout.write(result.lines.join('\n') + '\n');
    return result.exitCode ?? EXIT.ok;
  } catch (err) {
    return report(err, values.json === true);
  }
}

process.exitCode = await main(process.argv.slice(2));
