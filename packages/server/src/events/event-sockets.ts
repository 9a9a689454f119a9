import { eventsCloseCodes } from '@idrive/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { UserRow } from '../db/schema.js';
import type { Authenticated } from '../services/auth.service.js';
import { hasPermission } from '../services/user.service.js';
import { EventClient, type ClientAccess } from './event-client.js';
import type { EventBus } from './event-bus.js';
import { userView } from './share-view.js';
import { ADMINS_TOPIC, sessionTopic, userTopic } from './topics.js';

export interface EventSocketsOptions {
  /** How often sockets are pinged; one that has not answered the previous ping by then is dropped. */
  heartbeatMs: number;
  /** Unsent bytes a socket may pile up before it is closed as too slow. */
  maxBufferedBytes: number;
}

export interface SessionCheck {
  /** Whether the session is still signed in (not signed out, revoked, expired, or its user disabled). */
  stillSignedIn(auth: Authenticated): Promise<boolean>;
}

/** What a user's socket may see: locked folders its session has not opened, and what is shared with them. */
export interface UserScopes {
  closedFolders(auth: Authenticated): Promise<ReadonlySet<string>>;
  sharedRoots(user: UserRow): Promise<ReadonlySet<string>>;
}

/** What a socket is for: the topics it hears, what it may see of them, and whether it may stay. */
export interface Viewer {
  topics: string[];
  access: ClientAccess;
  /** Checked on every heartbeat: a signed-out session or a revoked link closes the socket. */
  stillAllowed(): Promise<boolean>;
}

interface Open {
  client: EventClient;
  stillAllowed: () => Promise<boolean>;
  alive: boolean;
}

/**
 * Every open events socket of this process: subscribes each to its user's topic (and admins to
 * instance news), pings them so dead connections are dropped, and on each ping also checks that the
 * session is still signed in, which catches what no event announces (expiry, a disabled account).
 */
export class EventSockets {
  private readonly open = new Map<WebSocket, Open>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly sessions: SessionCheck,
    private readonly scopes: UserScopes,
    private readonly log: FastifyBaseLogger,
    private readonly options: EventSocketsOptions = {
      heartbeatMs: 30_000,
      maxBufferedBytes: 4 * 1024 * 1024,
    },
  ) {}

  /**
   * A signed-in user's socket: their items' events and those of items shared with them (which reach
   * their topic too), its session's own, and for admins instance news.
   */
  serve(socket: WebSocket, auth: Authenticated, since?: number): Promise<void> {
    return this.serveViewer(
      socket,
      {
        topics: [
          userTopic(auth.user.id),
          sessionTopic(auth.session.id),
          ...(hasPermission(auth.user, 'admin') ? [ADMINS_TOPIC] : []),
        ],
        access: {
          sessionId: auth.session.id,
          scope: async () => {
            const [closed, roots] = await Promise.all([
              this.scopes.closedFolders(auth),
              this.scopes.sharedRoots(auth.user),
            ]);
            return { closed, view: userView(auth.user.root_folder_id, roots) };
          },
        },
        stillAllowed: () => this.sessions.stillSignedIn(auth),
      },
      since,
    );
  }

  async serveViewer(socket: WebSocket, viewer: Viewer, since?: number): Promise<void> {
    const client = new EventClient(socket, viewer.access, this.options.maxBufferedBytes, (err) =>
      this.log.error({ err }, 'an events socket failed'),
    );
    const entry: Open = { client, stillAllowed: viewer.stillAllowed, alive: true };
    this.open.set(socket, entry);
    this.startHeartbeat();
    const subscription = this.bus.subscribe(viewer.topics, (event) => client.push(event), since);
    socket.on('pong', () => (entry.alive = true));
    socket.on('close', () => {
      this.open.delete(socket);
      if (this.open.size === 0) this.stopHeartbeat();
      subscription.then(
        (s) => s.close(),
        () => undefined,
      );
    });
    const { missed, cursor } = await subscription;
    if (this.open.has(socket)) client.begin(missed, cursor, new Date());
  }

  /** How many sockets are open (for tests and diagnostics). */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    this.stopHeartbeat();
  }

  private beat(): void {
    for (const [socket, entry] of this.open) {
      if (!entry.alive) {
        socket.terminate();
        continue;
      }
      entry.alive = false;
      socket.ping();
      entry.stillAllowed().then(
        (allowed) => {
          if (!allowed) entry.client.close(eventsCloseCodes.sessionEnded, 'Session ended');
        },
        (err: unknown) => this.log.warn({ err }, 'could not check an events socket session'),
      );
    }
  }

  private startHeartbeat(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
