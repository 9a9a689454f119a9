import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DbHandle } from '../db/database.js';
import { renewHold, type RenewedHold } from '../lib/renewed-hold.js';
import { DiscordRequestError } from '../storage/discord/discord-http.js';
import type { JournalState } from '../repositories/journal.repository.js';
import type { Repositories } from '../repositories/repositories.js';
import type { DiscordService } from '../services/discord.service.js';
import type { MasterKey } from '../storage/master-key.js';
import { writeCheckpoint } from './checkpoint-writer.js';
import { ControlChannel } from './control-channel.js';
import { reconcile, writeSegments, type JournalContext } from './segment-writer.js';
import { newMetadataKey, openMetadataKey, sealMetadataKey } from './superblock.js';

/** Discord's JSON code for "Unknown Channel". */
const UNKNOWN_CHANNEL = 10003;

export interface JournalWriterOptions {
  /** A checkpoint follows this many records since the last one, or this long with any change. */
  checkpointRecords: number;
  checkpointMs: number;
  /** How often an idle writer looks for new records. */
  idleMs?: number;
  /** How long the writer lease holds without renewal; another instance takes over after it. */
  leaseMs?: number;
  /** The first and the longest wait after a failure (Discord away, a database hiccup). */
  retryMs?: { first: number; max: number };
}

/** How far the journal has got, for the admin page and for tests. */
export interface JournalProgress {
  state: JournalState;
  /** The last sequence number committed. */
  head: number;
}

/**
 * Writes the metadata journal: committed changes go from the outbox to the drive's control channel on
 * Discord, in sequence order, and a checkpoint of the whole drive follows every so many records.
 * One instance writes at a time (a lease in the state row); after an outage, or when it takes over
 * from an instance that died, the writer carries on from what the state row says was written, so
 * nothing committed is skipped, and a segment posted but not recorded is recognised rather than
 * posted again. Without Discord there is nowhere to write: the outbox is emptied, and the first
 * checkpoint once Discord is connected covers everything.
 */
export class JournalWriter {
  private readonly token = randomUUID();
  private readonly idleMs: number;
  private readonly leaseMs: number;
  private readonly retryMs: { first: number; max: number };
  private hold: RenewedHold | null = null;
  private reconciled = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Ticks run one after another, from the timer or from flush(). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repos: Repositories,
    private readonly handle: DbHandle,
    private readonly discord: DiscordService,
    private readonly master: MasterKey,
    private readonly driveId: string,
    private readonly log: FastifyBaseLogger,
    private readonly options: JournalWriterOptions,
  ) {
    this.idleMs = options.idleMs ?? 500;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retryMs = options.retryMs ?? { first: 1_000, max: 60_000 };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.turn.catch(() => undefined);
    if (this.hold) {
      this.hold.release();
      this.hold = null;
      await this.repos.journal.release(this.token).catch(() => undefined);
    }
  }

  async progress(): Promise<JournalProgress> {
    return { state: await this.repos.journal.state(), head: await this.repos.journal.head() };
  }

  /**
   * Writes until the journal holds every change committed so far and a checkpoint exists (tests and
   * the bench wait on this); throws the last failure once `timeoutMs` has passed.
   */
  async flush(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.next();
        const { state, head } = await this.progress();
        if (
          this.discord.link() === null ||
          (state.written_through >= head && state.checkpoint_through !== null && !state.checkpoint_due)
        )
          return;
      } catch (err) {
        if (Date.now() > until) throw err;
      }
      if (Date.now() > until) throw new Error('The journal did not catch up in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.next().then(
        (more) => {
          if (this.failures > 0) this.log.info('the metadata journal is being written again');
          this.failures = 0;
          this.schedule(more ? 0 : this.idleMs);
        },
        (err: unknown) => {
          this.failures++;
          void this.recordFailure(err);
          this.schedule(Math.min(this.retryMs.max, this.retryMs.first * 2 ** (this.failures - 1)));
        },
      );
    }, ms);
    this.timer.unref();
  }

  private next(): Promise<boolean> {
    const run = this.turn.then(() => this.tick());
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async recordFailure(err: unknown): Promise<void> {
    if (this.failures === 1) this.log.warn({ err }, 'the metadata journal could not be written; retrying');
    if (!this.hold) return;
    await this.repos.journal
      .update(this.token, { last_error: (err as Error).message ?? String(err), last_error_at: Date.now() })
      .catch(() => undefined);
  }

  /**
   * One turn of work; says whether there is more to do at once. A control channel someone deleted
   * is made again, starting with a checkpoint: what it held is gone, and the drive must stay
   * restorable.
   */
  private async tick(): Promise<boolean> {
    try {
      return await this.work();
    } catch (err) {
      if (!(err instanceof DiscordRequestError && err.body?.code === UNKNOWN_CHANNEL)) throw err;
      this.log.error('the control channel is gone; making a new one, starting with a checkpoint');
      await this.repos.journal.update(this.token, {
        control_channel_id: null,
        checkpoint_through: null,
        superblock_message_id: null,
      });
      return true;
    }
  }

  private async work(): Promise<boolean> {
    const link = this.discord.link();
    if (!link && (await this.repos.discordCredentials.list()).length > 0) {
      // Discord is connected, through another instance: that one writes.
      return false;
    }
    if (!(await this.holdLease())) return false;
    const signal = this.hold!.signal;
    if (!link) {
      // No Discord yet: nothing to write to. The first checkpoint after connecting covers it all.
      const head = await this.repos.journal.head();
      if ((await this.repos.journal.state()).written_through >= head) return false;
      await this.repos.transaction(async (r) => {
        if (await r.journal.update(this.token, { written_through: head })) await r.journal.pruneThrough(head);
      });
      return false;
    }
    let state = await this.repos.journal.state();
    if (!state.control_channel_id) {
      const channelId = await this.discord.createControlChannel();
      await this.repos.journal.update(this.token, { control_channel_id: channelId });
      state = await this.repos.journal.state();
    }
    if (!state.metadata_key) {
      await this.repos.journal.update(this.token, {
        metadata_key: sealMetadataKey(this.master, this.driveId, newMetadataKey()),
      });
      state = await this.repos.journal.state();
    }
    const ctx: JournalContext = {
      repos: this.repos,
      control: new ControlChannel(link.scheduler, link.store, state.control_channel_id!),
      metadataKey: openMetadataKey(this.master, this.driveId, state.metadata_key!),
      driveId: this.driveId,
      token: this.token,
      signal,
      log: this.log,
    };
    if (!this.reconciled) {
      await reconcile(ctx, state.written_through);
      this.reconciled = true;
      state = await this.repos.journal.state();
    }
    const checkpoint = (covers: boolean) =>
      writeCheckpoint(ctx, this.handle, this.master, state, { covers, dataChannels: link.dataChannels });
    if (state.checkpoint_through === null || state.checkpoint_due) {
      await checkpoint(true);
      return true;
    }
    const through = await writeSegments(ctx, state.written_through);
    state = await this.repos.journal.state();
    if (state.checkpoint_due) return true;
    const head = await this.repos.journal.head();
    const since = head - state.checkpoint_through!;
    const age = Date.now() - (state.checkpoint_at ?? 0);
    if (since >= this.options.checkpointRecords || (since > 0 && age >= this.options.checkpointMs)) {
      await checkpoint(false);
    }
    return through < (await this.repos.journal.head());
  }

  /** Takes the writer lease when no other live instance holds it, and keeps it renewed. */
  private async holdLease(): Promise<boolean> {
    if (this.hold && !this.hold.signal.aborted) return true;
    this.hold?.release();
    this.hold = null;
    if (!(await this.repos.journal.claim(this.token, Date.now(), this.leaseMs))) return false;
    // A new holder looks again at what the last one may have posted without recording it.
    this.reconciled = false;
    this.hold = renewHold(
      this.leaseMs,
      () => this.repos.journal.claim(this.token, Date.now(), this.leaseMs),
      'The journal writer lease',
      (err) => this.log.warn({ err }, 'could not renew the journal writer lease'),
    );
    return true;
  }
}
