import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHaproxy, type Balancer } from './haproxy.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { adminQuery } from './test-db.js';
import { dropRedisPrefix, testRedisPrefix } from './test-redis.js';

export const CLUSTER_ADMIN_PASSWORD = 'cluster-admin-password';

export interface ClusterOptions {
  instances: number;
  /** A PostgreSQL server URL: the cluster gets a database of its own on it, dropped at the end. */
  pgUrl: string;
  redisUrl: string;
  /** More environment for every instance. */
  env?: Record<string, string>;
  /** The built server, as `npm start` runs it (default: the sources through tsx). */
  built?: boolean;
  /** Put Debian's haproxy in front (default true). */
  balancer?: boolean;
}

export interface Cluster {
  instances: ServerProcess[];
  /** The balancer's address, or undefined without one. */
  url: string | undefined;
  balancer: Balancer | undefined;
  /** The environment every instance was started with (to start one more). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Server processes in cluster mode on one new PostgreSQL database, one Redis prefix, one data
 * directory and one master key, started all at once as a compose stack starts its replicas.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const database = `idrive_cluster_${randomBytes(4).toString('hex')}`;
  const prefix = testRedisPrefix();
  await adminQuery(options.pgUrl, `create database ${database}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-cluster-'));
  const env = {
    DATABASE_URL: withDatabase(options.pgUrl, database),
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    IDRIVE_MASTER_KEY: randomBytes(32).toString('hex'),
    IDRIVE_DATA_DIR: dataDir,
    IDRIVE_ADMIN_PASSWORD: CLUSTER_ADMIN_PASSWORD,
    IDRIVE_TRUST_PROXY: 'true',
    IDRIVE_TRUSTED_HOSTS: '*',
    ...options.env,
  };
  const instances: ServerProcess[] = [];
  let balancer: Balancer | undefined;
  const stop = async () => {
    await balancer?.stop();
    await Promise.all(instances.map((i) => i.stop()));
    await rm(dataDir, { recursive: true, force: true });
    await dropRedisPrefix(options.redisUrl, prefix);
    await adminQuery(options.pgUrl, `drop database if exists ${database} with (force)`);
  };
  try {
    const started = await Promise.allSettled(
      Array.from({ length: options.instances }, () => startServerProcess(env, { built: options.built })),
    );
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.balancer !== false) balancer = await startHaproxy(instances.map((i) => i.baseUrl));
  } catch (err) {
    await stop();
    throw err;
  }
  return { instances, url: balancer?.url, balancer, env, stop };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
