import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loginOver } from './http-client.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { adminQuery } from './test-db.js';
import { dropRedisPrefix, testRedisPrefix } from './test-redis.js';
import { ADMIN } from './test-app.js';

/** Whether the cluster tests can run: they need the test PostgreSQL and Redis. */
export function clusterAvailable(): boolean {
  return Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
}

export interface Cluster {
  /** Every instance started so far, killed ones included, in start order. */
  instances: ServerProcess[];
  /** The instances not stopped or killed. */
  live(): ServerProcess[];
  /** A bearer token of the admin (sessions are in the shared database: good on every instance). */
  adminToken: string;
  dataDir: string;
  /** Starts one more instance on the same database, Redis prefix and data directory. */
  add(env?: Record<string, string>): Promise<ServerProcess>;
  /** SIGKILLs an instance: a crash, nothing gets to clean up. */
  kill(instance: ServerProcess): Promise<void>;
  /** Runs SQL on the cluster's database. */
  query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  /** Stops every instance and drops the database, the Redis keys and the data directory. */
  stop(): Promise<void>;
}

/**
 * N server processes of one drive: one PostgreSQL database of their own, one Redis prefix, one
 * master key and one data directory (the local chunk store they share). The first starts alone, so
 * the schema and the admin account are made once; the others then start side by side.
 */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const redisUrl = process.env.TEST_REDIS_URL!;
  const database = `c_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${database}`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${database}`;
  const prefix = testRedisPrefix();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-cluster-'));
  const shared = {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    IDRIVE_MASTER_KEY: randomBytes(32).toString('hex'),
    IDRIVE_DATA_DIR: dataDir,
    IDRIVE_ADMIN_USERNAME: ADMIN.username,
    IDRIVE_ADMIN_PASSWORD: ADMIN.password,
    LOG_FORMAT: 'json',
    ...env,
  };
  const instances: ServerProcess[] = [];
  const gone = new Set<ServerProcess>();
  const pool = new pg.Pool({ connectionString: databaseUrl.toString(), max: 2 });
  // Dropping the database at the end ends the connections of this pool that are still closing.
  pool.on('error', () => undefined);
  const add = async (more: Record<string, string> = {}) => {
    const instance = await startServerProcess({ ...shared, ...more });
    instances.push(instance);
    return instance;
  };

  try {
    await add();
    await Promise.all(Array.from({ length: count - 1 }, () => add()));
  } catch (err) {
    await Promise.all(instances.map((i) => i.stop(true)));
    throw err;
  }
  const adminToken = await loginOver(instances[0]!.baseUrl, ADMIN.username, ADMIN.password);
  return {
    instances,
    live: () => instances.filter((i) => !gone.has(i)),
    adminToken,
    dataDir,
    add,
    async kill(instance) {
      gone.add(instance);
      await instance.stop(true);
    },
    async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      return (await pool.query<T>(text, values)).rows;
    },
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await pool.end();
      await adminQuery(serverUrl, `drop database if exists ${database} with (force)`);
      await dropRedisPrefix(redisUrl, prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server's JSON log lines (LOG_FORMAT=json), parsed; other lines are left out. */
export async function logLines(instance: ServerProcess): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const line of (await instance.output()).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut short by a kill
    }
  }
  return lines;
}
