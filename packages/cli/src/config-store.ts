import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './exit-codes.js';

/** What `idrive login` keeps: the drive's address and an app password for it. */
export interface CliConfig {
  url: string;
  username: string;
  appPasswordId: string;
  secret: string;
}

/** `$XDG_CONFIG_HOME/idrive`, or `~/.config/idrive`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'idrive');
}

export const configFile = (env?: NodeJS.ProcessEnv) => path.join(configDir(env), 'config.json');

/** The directory only its owner can enter, created if missing (and tightened if it was looser). */
export async function privateDir(env?: NodeJS.ProcessEnv): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return dir;
}

/**
 * Writes a file readable by its owner only, through a temporary file and a rename, so a crash
 * leaves the old file or the new one, never half of one.
 */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

export async function saveConfig(config: CliConfig): Promise<string> {
  await privateDir();
  const file = configFile();
  await writePrivateFile(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

export async function loadConfig(): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(configFile(), 'utf8');
  } catch {
    throw new CliError(EXIT.auth, 'Not signed in: run "idrive login URL" first', 'unauthorized');
  }
  const parsed = JSON.parse(text) as Partial<CliConfig>;
  if (!parsed.url || !parsed.secret || !parsed.appPasswordId || !parsed.username) {
    throw new CliError(
      EXIT.auth,
      `${configFile()} is incomplete: run "idrive login URL" again`,
      'unauthorized',
    );
  }
  return parsed as CliConfig;
}

export async function removeConfig(): Promise<void> {
  await rm(configFile(), { force: true });
}
