import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.js';
import { SlotCounter, takeAll } from '../lib/slot-counter.js';

export interface SocketLimits {
  /** Sockets one signed-in user may hold open, over all their sessions; 0 means no cap. */
  perUser: number;
  /** Sockets one client address may hold open, signed in or visiting a share link; 0 means no cap. */
  perAddress: number;
}

/**
 * Caps the live-events websockets open at once, per user and per client address. Each socket holds
 * a subscription, a replay buffer and a heartbeat for as long as it stays open, so without a cap
 * one account or one visitor could open them until the process runs out of memory.
 *
 * Checked before the upgrade, so an extra socket is refused with an ordinary 429 a client can read.
 * The address is `request.ip`: the peer, or with IDRIVE_TRUST_PROXY the client the proxy names,
 * where a per-connection cap (connection-cap.ts) would only see the proxy.
 */
export class SocketCaps {
  private readonly perUser: SlotCounter;
  private readonly perAddress: SlotCounter;

  constructor(limits: SocketLimits) {
    this.perUser = new SlotCounter(limits.perUser);
    this.perAddress = new SlotCounter(limits.perAddress);
  }

  /** A preHandler for a websocket route; `userOf` names the user a socket counts against, if any. */
  admit(userOf: (request: FastifyRequest) => string | null) {
    return async (request: FastifyRequest): Promise<void> => {
      const connection = request.raw.socket as typeof request.raw.socket | undefined;
      // A plain GET is answered 426 and holds nothing; an in-process injection has no connection.
      if (!request.ws || !connection) return;
      const userId = userOf(request);
      const taken = takeAll([
        { counter: this.perAddress, key: request.ip },
        ...(userId === null ? [] : [{ counter: this.perUser, key: userId }]),
      ]);
      if ('full' in taken) {
        const mine = taken.full === this.perUser;
        throw new AppError(
          429,
          'too_many_requests',
          `Too many live-update connections are open ${mine ? 'for this account' : 'from this address'} ` +
            `(at most ${taken.full.max}); close one, for example another tab, and try again`,
          { limit: taken.full.max },
        );
      }
      // The connection's end frees the slot: it follows a socket's close, an error that destroys it,
      // and an upgrade refused or failed after this point alike.
      if (connection.destroyed) taken.release();
      else connection.once('close', taken.release);
    };
  }
}
