import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Item, JournalStatus, Listing } from '@idrive/shared';
import { driveClient, multipart } from '../helpers/drive-client.js';
import { loginOver } from '../helpers/http-client.js';
import {
  emulatedGuild,
  newDriveHome,
  startRestored,
  type DriveHome,
  type EmulatedGuild,
} from '../helpers/journaled-drive.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { runToolProcess } from '../helpers/tool-process.js';
import type { TestApp } from '../helpers/test-app.js';
import { ADMIN } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

const MiB = 1024 * 1024;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The server is killed (kill -9) while Discord refuses its journal: the last commits never reach the
 * journal. A restore with --scan finds their chunks in the data channels by their trailers and makes
 * them files again: a resumable upload's where it was going, the others in "Recovered files".
 */
describeEachDb('a restore that scans for files the journal missed', (dialect) => {
  let guild: EmulatedGuild;
  let home: DriveHome;
  let target: DriveHome;
  let server: ServerProcess;
  let restored: TestApp;
  let output: string;
  const missed = new Map<string, Buffer>();
  const journaled = new Map<string, Buffer>();
  let tusFile: Buffer;

  beforeAll(async () => {
    guild = await emulatedGuild({ timeScale: 20 });
    home = await newDriveHome(guild, dialect);
    server = await startServerProcess({
      ...guild.env,
      IDRIVE_DATA_DIR: home.dataDir,
      IDRIVE_ADMIN_PASSWORD: ADMIN.password,
      ...(home.databaseUrl ? { DATABASE_URL: home.databaseUrl } : {}),
    });
    const token = await loginOver(server.baseUrl, ADMIN.username, ADMIN.password);
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
    const json = { 'content-type': 'application/json' };
    const connected = await api('/admin/storage/discord', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        botToken: guild.seeded.bots[0]!.token,
        guildId: guild.seeded.guild.id,
        channels: 2,
      }),
    });
    expect(connected.status).toBe(200);
    const root = ((await (await api('/folders/root')).json()) as Listing).folder.id;
    const folder = async (name: string) =>
      (
        (await (
          await api('/folders', {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ parentId: root, name }),
          })
        ).json()) as Item
      ).id;
    const put = async (folderId: string, name: string, data: Buffer) => {
      const res = await api(`/folders/${folderId}/files/${name}`, { method: 'PUT', body: data });
      expect(res.status).toBe(201);
    };
    const early = await folder('early');
    for (let i = 0; i < 3; i++) {
      const data = randomBytes(30_000 + i);
      journaled.set(`early/e-${i}.bin`, data);
      await put(early, `e-${i}.bin`, data);
    }
    // A resumable upload begun while the journal keeps up: its first chunk and its target are journaled.
    tusFile = randomBytes(20 * MiB + 12_345);
    const meta = `filename ${Buffer.from('big-tus.bin').toString('base64')},parentId ${Buffer.from(early).toString('base64')}`;
    const created = await api('/uploads', {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(tusFile.length), 'upload-metadata': meta },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const patch = async (from: number, to: number) => {
      const res = await fetch(new URL(location, server.baseUrl), {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${token}`,
          'tus-resumable': '1.0.0',
          'upload-offset': String(from),
          'content-type': 'application/offset+octet-stream',
        },
        body: tusFile.subarray(from, to),
      });
      expect(res.status).toBe(204);
    };
    await patch(0, 9 * MiB);
    const journal = async () => (await (await api('/admin/journal')).json()) as JournalStatus;
    for (const deadline = Date.now() + 60_000; ;) {
      const s = await journal();
      if (s.checkpointThrough !== null && s.writtenThrough === s.committedThrough) break;
      if (Date.now() > deadline) throw new Error(`the journal did not catch up: ${JSON.stringify(s)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // Discord takes the data but not the journal from here on.
    const { controlChannelId } = await journal();
    guild.emulator.control.injectFault({
      kind: 'status500',
      path: `/api/v10/channels/${controlChannelId}/messages`,
      method: 'POST',
      count: 1_000_000,
    });
    await patch(9 * MiB, tusFile.length);
    const late = await folder('late');
    const plain = randomBytes(17 * MiB + 5);
    missed.set('plain', plain);
    await put(late, 'plain.bin', plain);
    const small = randomBytes(4_321);
    missed.set('small', small);
    await put(late, 'small.txt', small);
    const batch = Array.from({ length: 4 }, (_, i) => ({
      path: `packed-${i}.bin`,
      data: randomBytes(2_000 + i * 10),
    }));
    for (const [i, f] of batch.entries()) missed.set(`packed ${i}`, f.data);
    const { body, contentType } = await multipart(batch);
    expect(
      (
        await api(`/folders/${late}/batch`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        })
      ).status,
    ).toBe(200);
    const behind = await journal();
    expect(behind.writtenThrough).toBeLessThan(behind.committedThrough);
    await server.stop(true);
    guild.emulator.control.clearFaults();

    target = await newDriveHome(guild, dialect);
    const run = await runToolProcess(
      'restore',
      [
        '--bot-token',
        guild.seeded.bots[0]!.token,
        '--guild',
        guild.seeded.guild.id,
        '--data-dir',
        target.dataDir,
        ...(target.databaseUrl ? ['--database-url', target.databaseUrl] : []),
        '--scan',
      ],
      guild.env,
    );
    output = run.output;
    expect(run.code, output).toBe(0);
    restored = await startRestored(guild, target);
  }, 600_000);

  afterAll(async () => {
    await server?.stop(true);
    await restored?.close();
    for (const h of [home, target]) {
      await h?.drop();
      if (h) await rm(h.dataDir, { recursive: true, force: true });
    }
    await guild?.close();
  });

  it('keeps what the journal held as it was', async () => {
    const admin = driveClient(restored, restored.adminToken);
    for (const [path, data] of journaled)
      expect(sha(await admin.content((await admin.at(path)).id))).toBe(sha(data));
    expect(output).toMatch(/Restored drive [0-9a-f-]{36}/);
  });

  it('puts the resumable upload the journal saw begin where it was going', async () => {
    const admin = driveClient(restored, restored.adminToken);
    const file = await admin.at('early/big-tus.bin');
    expect(file.size).toBe(tusFile.length);
    expect(sha(await admin.content(file.id))).toBe(sha(tusFile));
    expect(output).toMatch(
      /recovered admin:\/?early\/big-tus\.bin .*put where its resumable upload was going/,
    );
  });

  it('recovers every other file committed after the journal stopped, into Recovered files, whole', async () => {
    const admin = driveClient(restored, restored.adminToken);
    const folder = await admin.at('Recovered files');
    const items = (await admin.list(folder.id)).items;
    const got = new Map<string, number>();
    for (const item of items) got.set(sha(await admin.content(item.id)), item.size);
    expect(got).toEqual(new Map([...missed.values()].map((data) => [sha(data), data.length])));
    expect(output.match(/the journal never said where it was committed/g)).toHaveLength(missed.size);
    // Its folder is not there: the journal never recorded it being made.
    expect((await admin.list(await admin.rootId())).items.map((i) => i.name)).not.toContain('late');
  });

  it('records what it recovered in the journal of the restored drive', async () => {
    const journal = restored.drive.journal!;
    await journal.flush();
    const { state, head } = await journal.progress();
    expect(state.checkpoint_through).toBe(head);
    expect(state.written_through).toBe(head);
  });
});
