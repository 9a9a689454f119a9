import { eventsCloseCodes, type DriveEvent } from '@idrive/shared';
import { WebSocket } from 'ws';

/** What a client may see, looked up for each batch of item news. */
export interface ClientScope {
  /** Locked folders the session has not opened: what lies inside them is not sent. */
  closed: ReadonlySet<string>;
  /**
   * What this client may see of an event (a share visitor sees it from the shared folder down, a
   * user another user's items from what is shared with them down), or null.
   */
  view?(event: DriveEvent): DriveEvent | null;
}

export interface ClientAccess {
  /** The session whose end closes the socket (none for a share link's visitor). */
  sessionId: string | null;
  /**
   * The scope for the next batch: locks open and close, their grants run out, items are shared and
   * unshared, so it is asked again each time.
   */
  scope(): Promise<ClientScope>;
}

const NONE: ClientScope = { closed: new Set() };

/** Whether a session kept out of `closed` folders may see the event. */
export function visibleThrough(event: DriveEvent, closed: ReadonlySet<string>): boolean {
  if (closed.size === 0 || !('ancestorIds' in event)) return true;
  const open = (ancestorIds: string[]) => !ancestorIds.some((id) => closed.has(id));
  // A move between an open folder and a closed one is news to the open side.
  return open(event.ancestorIds) || (event.type === 'item.moved' && open(event.from.ancestorIds));
}

/**
 * One events socket. Live events queue up until `begin` has put the missed ones (or a resync) and
 * the cursor in front of them, then go out in publishing order. The socket closes when its own
 * session is announced as ended, and when the client reads too slowly to keep up.
 */
export class EventClient {
  private queue: DriveEvent[] = [];
  private started = false;
  private draining = false;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly access: ClientAccess,
    private readonly maxBufferedBytes: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(event: DriveEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    void this.drain();
  }

  /** `missed` null means they are no longer known: the client is told to resync instead. */
  begin(missed: DriveEvent[] | null, cursor: number, at: Date): void {
    const marker: DriveEvent = { type: missed ? 'ready' : 'resync', id: cursor, at: at.toISOString() };
    this.queue = [...(missed ?? []), marker, ...this.queue.filter((event) => event.id > cursor)];
    this.started = true;
    void this.drain();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.socket.close(code, reason);
  }

  private async drain(): Promise<void> {
    if (!this.started || this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue;
        this.queue = [];
        // One lookup per batch: unlock grants and shares change while the socket is open.
        const scope = batch.some((event) => 'ancestorIds' in event) ? await this.access.scope() : NONE;
        for (const event of batch) {
          if (this.closed) return;
          const shown = scope.view ? scope.view(event) : event;
          if (shown && visibleThrough(shown, scope.closed)) this.send(shown);
          const sessionId = this.access.sessionId;
          if (event.type === 'session.ended' && sessionId !== null && event.sessionIds.includes(sessionId)) {
            this.close(eventsCloseCodes.sessionEnded, 'Signed out');
          }
        }
      }
    } catch (err) {
      this.onError(err);
      this.close(1011, 'Internal error');
    } finally {
      this.draining = false;
    }
  }

  private send(event: DriveEvent): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(eventsCloseCodes.fellBehind, 'Fell behind; reconnect with since');
      return;
    }
    this.socket.send(JSON.stringify(event));
  }
}
