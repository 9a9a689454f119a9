import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, loadConfig, type Config } from '../config.js';

/**
 * The drive's configuration as the server would read it, with the data directory and database a
 * tool was pointed at on its command line taking the place of the environment's.
 */
export function toolConfig(flags: { dataDir?: string; databaseUrl?: string }): Config {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (flags.dataDir) env.IDRIVE_DATA_DIR = flags.dataDir;
  if (flags.databaseUrl) {
    env.DATABASE_URL = flags.databaseUrl;
    delete env.DATABASE_URL_FILE;
  }
  return loadConfig(env);
}

/** Warnings and errors on stderr; what the tool reports goes to stdout. */
export function toolLog(config: Config): FastifyBaseLogger {
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  return pino({ level }, pino.destination(2));
}

/** A secret from a flag or from the file another flag names (a flag shows in `ps`, a file does not). */
export function secretFlag(
  value: string | undefined,
  file: string | undefined,
  name: string,
): string | undefined {
  if (value && file) throw new ConfigError(`--${name} and --${name}-file: give only one of them`);
  if (!file) return value;
  const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (!text) throw new ConfigError(`--${name}-file: ${file} is empty`);
  return text;
}

/**
 * Runs a tool's main, turning a bad configuration into exit code 2 and any other failure into 1. The
 * cipher threads do not keep a process alive (a server's sockets do), so while main runs a timer does:
 * otherwise the process would end, as if done, while a thread opens a chunk.
 */
export function runTool(main: () => Promise<void>): void {
  const alive = setInterval(() => undefined, 60_000);
  main()
    .catch((err: unknown) => {
      console.error(
        err instanceof ConfigError ? err.message : `Failed: ${(err as Error).message ?? String(err)}`,
      );
      process.exitCode = err instanceof ConfigError ? 2 : 1;
    })
    .finally(() => clearInterval(alive));
}
