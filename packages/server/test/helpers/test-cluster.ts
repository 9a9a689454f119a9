import { startTestApp, type TestApp } from './test-app.js';
import { openTestDb } from './test-db.js';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from './test-redis.js';

/** Whether cluster-mode tests can run here (PostgreSQL and Redis for tests are configured). */
export const clusterTestsEnabled = Boolean(process.env.TEST_DATABASE_URL && testRedisUrl());

export interface TestCluster {
  /** Instances of one drive: one PostgreSQL schema, one Redis prefix, one master key. */
  apps: TestApp[];
  /** Each instance listening on a port of its own: `http://127.0.0.1:<port>`. */
  listen(): Promise<string[]>;
  close(): Promise<void>;
}

/** `count` apps in cluster mode sharing a fresh database schema and Redis prefix. */
export async function startTestCluster(
  count: number,
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const db = await openTestDb('postgres');
  const redisUrl = testRedisUrl()!;
  const prefix = testRedisPrefix();
  const apps: TestApp[] = [];
  // One after another: the first creates the admin account the others find.
  for (let i = 0; i < count; i++) {
    apps.push(
      await startTestApp({
        dialect: 'postgres',
        env: {
          DATABASE_URL: process.env.TEST_DATABASE_URL!,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          IDRIVE_MASTER_KEY: 'cd'.repeat(32),
          ...env,
        },
        overrides: { db },
      }),
    );
  }
  return {
    apps,
    listen: () => Promise.all(apps.map((t) => t.drive.app.listen({ host: '127.0.0.1', port: 0 }))),
    async close() {
      // Each app ends the shared pool as it closes; the schema goes once they all have.
      for (const t of apps) await t.close();
      await db.drop();
      await dropRedisPrefix(redisUrl, prefix);
    },
  };
}
