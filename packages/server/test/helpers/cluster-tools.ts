import pg from 'pg';
import type { Cluster } from './cluster.js';
import { loginOver } from './http-client.js';
import { CLUSTER_ADMIN_PASSWORD } from './cluster.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** The admin's bearer token (sessions are in the shared database: good on every instance). */
export function clusterAdminToken(cluster: Cluster): Promise<string> {
  return loginOver(cluster.url ?? cluster.instances[0]!.baseUrl, 'admin', CLUSTER_ADMIN_PASSWORD);
}

/** One more instance on the cluster's database, Redis prefix and data directory (stopped with it). */
export async function addInstance(cluster: Cluster): Promise<ServerProcess> {
  const instance = await startServerProcess(cluster.env);
  cluster.instances.push(instance);
  return instance;
}

export interface ClusterDb {
  query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  end(): Promise<void>;
}

/** A connection to the cluster's database, to look at what the instances recorded. */
export function clusterDb(cluster: Cluster): ClusterDb {
  const pool = new pg.Pool({ connectionString: cluster.env.DATABASE_URL, max: 2 });
  // Dropping the database at the end ends connections of this pool that are still closing.
  pool.on('error', () => undefined);
  return {
    query: async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
      (await pool.query<T>(text, values)).rows,
    end: () => pool.end(),
  };
}

/** A server's JSON log lines, parsed; other lines (one cut short by a kill) are left out. */
export async function logLines(instance: ServerProcess): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const line of (await instance.output()).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a whole line
    }
  }
  return lines;
}
