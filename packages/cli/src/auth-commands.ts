import os from 'node:os';
import type { CreateAppPasswordResponse, LoginResponse } from '@idrive/shared';
import { ApiClient } from './api-client.js';
import { loadConfig, removeConfig, saveConfig } from './config-store.js';
import type { CommandResult } from './context.js';
import { CliError, usageError } from './exit-codes.js';
import { ask } from './prompt.js';

export interface LoginOptions {
  username?: string;
  readOnly: boolean;
}

/** The password: from IDRIVE_PASSWORD for scripts, else typed on the terminal without echo. */
async function credentials(options: LoginOptions): Promise<{ username: string; password: string }> {
  const fromEnv = process.env.IDRIVE_PASSWORD;
  if (options.username && fromEnv) return { username: options.username, password: fromEnv };
  if (!process.stdin.isTTY) {
    throw usageError('Without a terminal, give --username and the password in IDRIVE_PASSWORD');
  }
  const username = options.username ?? (await ask('Username: '));
  const password = fromEnv ?? (await ask('Password: ', true));
  return { username, password };
}

/**
 * `login URL`: signs in once, creates an app password named after this computer, and keeps that
 * (never the account password) in the config file. The sign-in session is closed again at once.
 */
export async function loginCommand(url: string, options: LoginOptions): Promise<CommandResult> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw usageError(`"${url}" is not a URL (e.g. https://drive.example.com)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw usageError('The URL must be http:// or https://');
  const { username, password } = await credentials(options);
  const anonymous = new ApiClient(base.toString(), null);
  const login = await anonymous.json<LoginResponse>('POST', '/auth/login', {
    username,
    password,
    bearer: true,
    deviceName: `idrive on ${os.hostname()}`.slice(0, 100),
  });
  const session = new ApiClient(base.toString(), login.token!);
  try {
    const created = await session.json<CreateAppPasswordResponse>('POST', '/account/app-passwords', {
      name: `idrive on ${os.hostname()}`.slice(0, 100),
      readOnly: options.readOnly,
    });
    const file = await saveConfig({
      url: session.base,
      username: login.user.username,
      appPasswordId: created.appPassword.id,
      secret: created.secret,
    });
    return {
      json: {
        url: session.base,
        username: login.user.username,
        appPassword: created.appPassword,
        config: file,
      },
      lines: [
        `Signed in to ${session.base} as ${login.user.username}; the app password "${created.appPassword.name}" is in ${file}`,
      ],
    };
  } finally {
    await session.json('POST', '/auth/logout').catch(() => undefined);
  }
}

/** `logout`: revokes this computer's app password on the drive and forgets it here. */
export async function logoutCommand(): Promise<CommandResult> {
  const config = await loadConfig();
  const api = new ApiClient(config.url, config.secret);
  let revoked = true;
  const lines: string[] = [];
  try {
    await api.json('DELETE', `/account/app-passwords/${config.appPasswordId}`);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    // Already revoked elsewhere, or a read-only one that may not revoke itself: forget it all the same.
    revoked = false;
    lines.push(`The drive did not revoke the app password (${err.message}); revoke it in Settings.`);
  }
  await removeConfig();
  lines.push(`Signed out of ${config.url}`);
  return { json: { url: config.url, revoked }, lines };
}
