import { driveEvent, type DriveEvent } from '@idrive/shared';
import WebSocket from 'ws';

export interface EventSocket {
  ws: WebSocket;
  /** Every message so far, each checked against the shared event schema. */
  received: DriveEvent[];
  /** The first message (received already or still to come) that matches, within `timeoutMs`. */
  waitFor<T extends DriveEvent>(match: (event: DriveEvent) => event is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (event: DriveEvent) => boolean, timeoutMs?: number): Promise<DriveEvent>;
  /** Resolves with the close code and reason once the connection closes. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Opens `GET /api/v1/events` with the `ws` client, as a script (or, with an Origin, a browser) would. */
export function openEventSocket(
  url: string,
  headers: Record<string, string> = {},
  options: { autoPong?: boolean } = {},
): Promise<EventSocket> {
  const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
  const received: DriveEvent[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    received.push(driveEvent.parse(JSON.parse(data.toString())));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

  function waitFor(match: (event: DriveEvent) => boolean, timeoutMs = 1000): Promise<DriveEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = received.find(match);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(received)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        received,
        waitFor: waitFor as EventSocket['waitFor'],
        closed,
        close: async () => {
          if (ws.readyState !== WebSocket.CLOSED) ws.close();
          await closed;
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject(new RefusedUpgrade(res.statusCode ?? 0, body)));
    });
    ws.once('error', reject);
  });
}

/** The HTTP answer to an upgrade the server refused. */
export class RefusedUpgrade extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }

  get code(): string | undefined {
    return (JSON.parse(this.body) as { error?: { code?: string } }).error?.code;
  }
}
