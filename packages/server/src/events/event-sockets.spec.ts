import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsCloseCodes, type DriveEvent } from '@idrive/shared';
import { WebSocketServer } from 'ws';
import { openEventSocket } from '../../test/helpers/event-socket.js';
import type { Authenticated } from '../services/auth.service.js';
import { visibleThrough } from './event-client.js';
import { EventSockets } from './event-sockets.js';
import { MemoryEventBus } from './memory-event-bus.js';
import { userTopic } from './topics.js';

function signedIn(): Authenticated {
  const userId = randomUUID();
  return {
    user: {
      id: userId,
      username: 'ada',
      username_key: 'ada',
      password_hash: '',
      perm_upload: 1,
      perm_delete: 1,
      perm_share: 1,
      perm_admin: 0,
      disabled: 0,
      root_folder_id: randomUUID(),
      used_bytes: 0,
      quota_bytes: null,
      created_at: 0,
      version_keep_days: null,
      version_keep_count: null,
    },
    session: {
      id: randomUUID(),
      token_hash: '',
      user_id: userId,
      kind: 'token',
      name: 'test',
      user_agent: null,
      ip: null,
      csrf_token: '',
      created_at: 0,
      last_seen_at: 0,
      expires_at: null,
    },
  };
}

describe('EventSockets', () => {
  let wss: WebSocketServer | undefined;
  let sockets: EventSockets | undefined;
  afterEach(async () => {
    sockets?.close();
    for (const client of wss?.clients ?? []) client.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  /** A bare websocket server whose every connection is served as `auth`'s events socket. */
  async function serve(options: {
    signedIn?: () => boolean;
    heartbeatMs?: number;
    maxBufferedBytes?: number;
  }) {
    const bus = new MemoryEventBus();
    const auth = signedIn();
    sockets = new EventSockets(
      bus,
      { stillSignedIn: async () => options.signedIn?.() ?? true },
      { closedFolders: async () => new Set<string>(), sharedRoots: async () => new Set<string>() },
      pino({ level: 'silent' }),
      { heartbeatMs: options.heartbeatMs ?? 60_000, maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20 },
    );
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss = server;
    server.on('connection', (socket) => void sockets!.serve(socket, auth));
    await new Promise((resolve) => server.once('listening', resolve));
    return { bus, auth, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('drops a socket that stops answering pings, and keeps one that answers', async () => {
    const { url } = await serve({ heartbeatMs: 50 });
    const dead = await openEventSocket(url, {}, { autoPong: false });
    const live = await openEventSocket(url);
    const started = Date.now();
    expect((await dead.closed).code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    expect(sockets!.size).toBe(1);
    await live.close();
  });

  it('closes a socket whose session is no longer signed in, found on a heartbeat', async () => {
    let valid = true;
    const { url } = await serve({ heartbeatMs: 50, signedIn: () => valid });
    const socket = await openEventSocket(url);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    valid = false;
    expect(await socket.closed).toEqual({ code: eventsCloseCodes.sessionEnded, reason: 'Session ended' });
  });

  it('closes a client that reads too slowly for what it is sent', async () => {
    const { bus, auth, url } = await serve({ maxBufferedBytes: 64 * 1024 });
    const socket = await openEventSocket(url);
    await socket.waitFor((e) => e.type === 'ready');
    socket.ws.pause();
    const others = Array.from({ length: 5 }, () => randomUUID());
    for (let i = 0; i < 20_000; i++) {
      bus.publish([userTopic(auth.user.id)], { type: 'session.ended', sessionIds: others });
    }
    socket.ws.resume();
    expect((await socket.closed).code).toBe(eventsCloseCodes.fellBehind);
  });
});

describe('visibleThrough', () => {
  const [root, vault, inside, open] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const item = {
    id: randomUUID(),
    type: 'file' as const,
    name: 'x',
    parentId: inside,
    size: 1,
    mimeType: null,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    trashedAt: null,
  };
  const base = { id: 1, at: new Date(0).toISOString(), item };
  const created: DriveEvent = {
    ...base,
    type: 'item.created',
    parentId: inside,
    ancestorIds: [root, vault, inside],
  };
  const closed = new Set([vault]);

  it('hides what lies under a closed folder, but not the closed folder itself', () => {
    expect(visibleThrough(created, closed)).toBe(false);
    expect(visibleThrough(created, new Set())).toBe(true);
    const lockedEntry: DriveEvent = { ...base, type: 'item.created', parentId: root, ancestorIds: [root] };
    expect(visibleThrough(lockedEntry, closed)).toBe(true);
  });

  it('shows a move to anyone who can see either end of it', () => {
    const out: DriveEvent = {
      ...base,
      type: 'item.moved',
      parentId: open,
      ancestorIds: [root, open],
      from: { parentId: inside, ancestorIds: [root, vault, inside] },
    };
    expect(visibleThrough(out, closed)).toBe(true);
    const within: DriveEvent = { ...out, parentId: vault, ancestorIds: [root, vault] };
    expect(visibleThrough(within, closed)).toBe(false);
  });
});
