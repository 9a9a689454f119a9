import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { Permission, User } from '@idrive/shared';
import { createApp, type AppOverrides, type DriveApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { DbDialect } from '../../src/db/database.js';
import { Argon2PasswordHasher } from '../../src/lib/password-hasher.js';
import { openTestDb } from './test-db.js';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

/** Real argon2id with a small cost, so tests that create many users stay quick. */
export const cheapHasher = new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1 });

export interface TestApp {
  drive: DriveApp;
  config: Config;
  dataDir: string;
  /** Signs in and returns a bearer token. */
  login(username: string, password: string): Promise<string>;
  /** Creates a user through the admin API and returns it with a bearer token. */
  createUser(permissions?: Permission[], name?: string): Promise<{ user: User; token: string }>;
  adminToken: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  dialect?: DbDialect;
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Reuse a data directory (a restart); it is then not deleted on close. */
  dataDir?: string;
  /** Keep the database where the config puts it (SQLite in the data dir), so it outlives a restart. */
  configDb?: boolean;
}

let userCounter = 0;

/** A complete app on a temporary data directory and a fresh database, with the admin signed in. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'idrive-test-')));
  const config = loadConfig({
    IDRIVE_DATA_DIR: dataDir,
    IDRIVE_ADMIN_USERNAME: ADMIN.username,
    IDRIVE_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const testDb =
    options.overrides?.db || options.configDb ? null : await openTestDb(options.dialect ?? 'sqlite');
  const drive = await createApp(config, {
    hasher: cheapHasher,
    jobs: false,
    ...(testDb ? { db: testDb } : {}),
    ...options.overrides,
  });

  async function login(username: string, password: string): Promise<string> {
    const res = await drive.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password, bearer: true },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json<{ token: string }>().token;
  }

  const adminToken = await login(ADMIN.username, ADMIN.password);

  return {
    drive,
    config,
    dataDir,
    login,
    adminToken,
    async createUser(permissions = ['upload', 'delete', 'share'], name) {
      const username = name ?? `user${++userCounter}-${Date.now().toString(36)}`;
      const password = 'user-password-1';
      const res = await drive.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${adminToken}` },
        payload: { username, password, permissions },
      });
      if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`);
      return { user: res.json<User>(), token: await login(username, password) };
    },
    async close() {
      await drive.close();
      if (testDb && testDb.dialect === 'postgres') await testDb.drop().catch(() => undefined);
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** The error code of an API error response. */
export function errorCode(res: LightMyRequestResponse): string | undefined {
  return res.json<{ error?: { code?: string } }>().error?.code;
}
