import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listing } from '@idrive/shared';
import { loadConfig } from '../../src/config.js';
import { bearer, startTestApp, type TestApp } from '../helpers/test-app.js';

/** A raw connection that records what the server sent and when it closed. */
interface RawConnection {
  socket: net.Socket;
  received: () => string;
  /** Milliseconds from connecting until the server closed the connection. */
  closed: Promise<number>;
}

function connect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** Writes `piece` every `everyMs` until the socket closes or `stopAfterMs` passes. */
async function trickle(conn: RawConnection, piece: string, everyMs: number, stopAfterMs: number) {
  const until = Date.now() + stopAfterMs;
  while (!conn.socket.destroyed && Date.now() < until) {
    conn.socket.write(piece);
    await sleep(everyMs);
  }
}

describe('slow and idle clients on a listening server', () => {
  let t: TestApp;
  let port: number;
  let rootId: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        IDRIVE_HEADERS_TIMEOUT_SECONDS: '0.5',
        IDRIVE_IDLE_TIMEOUT_SECONDS: '1',
        IDRIVE_MAX_CONNECTIONS_PER_IP: '4',
      },
    });
    const address = await t.drive.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(address).port);
    const root = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    rootId = root.json<Listing>().folder.id;
  });
  afterAll(() => t.close());

  it('finding 8: headers trickled a byte at a time are cut after the headers timeout', async () => {
    const conn = await connect(port);
    conn.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    void trickle(conn, 'a', 100, 10_000);
    const closedAfter = await conn.closed;
    expect(closedAfter).toBeLessThan(3000);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('finding 8: an upload that stops sending mid-body is closed after the idle timeout', async () => {
    const conn = await connect(port);
    conn.socket.write(
      `PUT /api/v1/folders/${rootId}/files/idle.bin HTTP/1.1\r\nHost: localhost\r\n` +
        `Authorization: Bearer ${t.adminToken}\r\nContent-Type: application/octet-stream\r\n` +
        'Content-Length: 100000\r\n\r\n' +
        'x'.repeat(1000),
    );
    const closedAfter = await conn.closed;
    expect(closedAfter).toBeLessThan(4000);
    const listing = await t.drive.app.inject({
      method: 'GET',
      url: '/api/v1/folders/root',
      headers: bearer(t.adminToken),
    });
    expect(listing.json<Listing>().items.map((i) => i.name)).not.toContain('idle.bin');
  });

  it('finding 8: a steady upload that lasts longer than both timeouts completes', async () => {
    const pieces = 25;
    const piece = 'y'.repeat(4096);
    const conn = await connect(port);
    conn.socket.write(
      `PUT /api/v1/folders/${rootId}/files/steady.bin HTTP/1.1\r\nHost: localhost\r\n` +
        `Authorization: Bearer ${t.adminToken}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: ${pieces * piece.length}\r\nConnection: close\r\n\r\n`,
    );
    const started = Date.now();
    for (let i = 0; i < pieces; i++) {
      conn.socket.write(piece);
      await sleep(100);
    }
    await conn.closed;
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 201/);
  });

  it('finding 8: one address holding the most connections allowed gets a 503 for the next one', async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => connect(port)));
    // Keep them busy with uploads the server goes on reading, so neither timeout closes them while the
    // next one is tried (a request refused before its body is in closes its connection).
    const busy = held.map((c, i) => {
      c.socket.write(
        `PUT /api/v1/folders/${rootId}/files/held-${i}.bin HTTP/1.1\r\nHost: localhost\r\n` +
          `Authorization: Bearer ${t.adminToken}\r\nContent-Type: application/octet-stream\r\n` +
          'Content-Length: 100000\r\n\r\n',
      );
      return trickle(c, 'z', 200, 1500);
    });
    await sleep(100);
    const extra = await connect(port);
    await extra.closed;
    expect(extra.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(extra.received()).toContain('too_many_requests');

    for (const c of held) c.socket.destroy();
    await Promise.all(busy);
    await Promise.all(held.map((c) => c.closed));
    const after = await connect(port);
    after.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await after.closed;
    expect(after.received()).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('connection limits in the configuration', () => {
  it('finding 8: headers within 30 s, 180 s of silence, 64 connections per address, no cap behind a proxy', () => {
    expect(loadConfig({})).toMatchObject({
      headersTimeoutSeconds: 30,
      idleTimeoutSeconds: 180,
      maxConnectionsPerIp: 64,
    });
    expect(loadConfig({ IDRIVE_TRUST_PROXY: 'true' }).maxConnectionsPerIp).toBe(0);
    expect(
      loadConfig({ IDRIVE_TRUST_PROXY: 'true', IDRIVE_MAX_CONNECTIONS_PER_IP: '500' }).maxConnectionsPerIp,
    ).toBe(500);
    expect(() => loadConfig({ IDRIVE_IDLE_TIMEOUT_SECONDS: '0' })).toThrow(/IDRIVE_IDLE_TIMEOUT_SECONDS/);
  });
});
