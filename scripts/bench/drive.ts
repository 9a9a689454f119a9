// A drive of ours for the bench: the built server as its own process on a fresh data directory,
// signed in as the admin, with the timed transfers each group needs.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Listing } from '@idrive/shared';
import { loginOver } from '../../packages/server/test/helpers/http-client.js';
import { startServerProcess, type ServerProcess } from '../../packages/server/test/helpers/server-process.js';
import { curlDownload, curlUpload, syncAll } from './processes.js';
import { mbps } from './rows.js';

export const PASSWORD = 'bench-password-1';

const webDist = fileURLToPath(new URL('../../packages/web/dist', import.meta.url));

/**
 * A new data directory holding a snapshot of the built web app (its `web` folder), so that a rebuild
 * during the run cannot swap the page under test.
 */
export async function webAppSnapshot(prefix: string): Promise<{ dataDir: string; webDir: string }> {
  if (!existsSync(path.join(webDist, 'index.html')))
    throw new Error('Build the web app first: npm run build');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const webDir = path.join(dataDir, 'web');
  await cp(webDist, webDir, { recursive: true });
  return { dataDir, webDir };
}

export interface Drive {
  server: ServerProcess;
  dataDir: string;
  token: string;
  auth: { authorization: string };
  rootId: string;
  /** Creates a folder under `parentId` (the root by default) and returns its id. */
  mkdir(name: string, parentId?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface DriveOptions {
  /** More environment for the server (a DATABASE_URL, Discord's addresses). */
  env?: Record<string, string>;
  /** Called after start-up and before the first sign-in, e.g. to read the idle memory. */
  beforeSignIn?: (server: ServerProcess) => Promise<void>;
}

export async function startDrive(name: string, options: DriveOptions = {}): Promise<Drive> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `idrive-bench-${name}-`));
  const server = await startServerProcess(
    { IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD, ...options.env },
    { built: true },
  );
  try {
    await options.beforeSignIn?.(server);
    const token = await loginOver(server.baseUrl, 'admin', PASSWORD);
    const auth = { authorization: `Bearer ${token}` };
    const root = (await (
      await fetch(`${server.baseUrl}/api/v1/folders/root`, { headers: auth })
    ).json()) as Listing;
    const mkdir = async (folder: string, parentId = root.folder.id) => {
      const res = await fetch(`${server.baseUrl}/api/v1/folders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ parentId, name: folder }),
      });
      if (res.status !== 201) throw new Error(`creating a folder answered ${res.status}`);
      return ((await res.json()) as { id: string }).id;
    };
    const stop = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    return { server, dataDir, token, auth, rootId: root.folder.id, mkdir, stop };
  } catch (err) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface Transfer {
  mbps: number;
  ms: number;
}

/**
 * Uploads `file` (of `size` bytes) with curl as `name` into `folderId`; returns the speed and the new
 * file's id. Dirty pages are flushed first, so no earlier writer's backlog lands in this figure.
 */
export async function timedUpload(
  drive: Drive,
  folderId: string,
  name: string,
  file: string,
  size: number,
): Promise<Transfer & { fileId: string }> {
  await syncAll();
  const url = `${drive.server.baseUrl}/api/v1/folders/${folderId}/files/${encodeURIComponent(name)}`;
  const up = await curlUpload(url, drive.token, file);
  if (up.status !== 201) throw new Error(`upload answered ${up.status}: ${up.body}`);
  const fileId = (JSON.parse(up.body) as { id: string }).id;
  return { mbps: mbps(size, up.ms), ms: up.ms, fileId };
}

/** Downloads `apiPath` (e.g. `/files/<id>/content`) with curl into /dev/null. */
export async function timedDownload(
  drive: Drive,
  apiPath: string,
  expectedBytes?: number,
): Promise<Transfer & { bytes: number }> {
  const got = await curlDownload(`${drive.server.baseUrl}/api/v1${apiPath}`, drive.token);
  if (got.status !== 200) throw new Error(`GET ${apiPath} answered ${got.status}`);
  if (expectedBytes !== undefined && got.bytes !== expectedBytes)
    throw new Error(`GET ${apiPath} gave ${got.bytes} bytes, not ${expectedBytes}`);
  return { mbps: mbps(got.bytes, got.ms), ms: got.ms, bytes: got.bytes };
}
