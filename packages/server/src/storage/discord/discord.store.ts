import type { ByteRange, ChunkStore, ChunkStoreLimits, SweepRecords } from '../chunk-store.js';
import { ChunkMissingError, IntegrityError } from '../errors.js';
import { DiscordRequestError } from './discord-http.js';
import type { DiscordScheduler } from './discord-scheduler.js';
import { MessageBatcher, type IncomingChunk, type QueuedPut } from './message-batcher.js';
import { MultipartBody } from './multipart.js';
import {
  containerOfLocator,
  formatLocator,
  isLocator,
  parseLocator,
  type DiscordMessage,
} from './discord-types.js';
import type { SignedUrlCache } from './signed-url-cache.js';

/** Discord's JSON code for "Unknown Message". */
const UNKNOWN_MESSAGE = 10008;
const BULK_DELETE_MAX_AGE_MS = 14 * 24 * 3_600_000;
/** Discord's epoch (2015-01-01), from which snowflakes count milliseconds. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** When a message was created, from its id. */
function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
const CDN_ATTEMPTS = 3;

export interface DiscordStoreOptions {
  scheduler: DiscordScheduler;
  urls: SignedUrlCache;
  /** Largest attachment Discord takes (10 MiB for most servers). */
  maxAttachmentBytes: number;
  /** The stored size of a full chunk (what most puts are): sets how many chunks share a message. */
  typicalChunkBytes: number;
  /** Largest request body Discord takes (25 MiB) and most attachments per message (10). */
  maxRequestBytes?: number;
  maxAttachmentsPerMessage?: number;
  /** Messages being sent at once; the scheduler spreads them over channels. */
  messagesInFlight?: number;
  /**
   * How long a partial message may hold a free webhook waiting for chunks already on their way.
   * Discord's budget is messages per channel, so a full message is worth the wait (default 2 s: a
   * promised chunk comes sooner unless its client stalls). While no webhook is free, a message waits
   * for company without this limit.
   */
  lingerMs?: number;
  /** Discord's clock (message ages are judged by it). */
  now: () => number;
  /** The channels chunks are stored in (the sweep lists them). */
  channels: () => string[];
  /** The webhooks chunks are sent through: the sweep deletes only their messages. */
  webhookIds: () => string[];
  cdnTimeoutMs?: number;
}

/** Room left in a request for the multipart framing and payload_json. */
const REQUEST_OVERHEAD = 64 * 1024;

/**
 * Chunks as Discord message attachments. Discord limits messages per minute per channel, not bytes,
 * so chunks stored at about the same time share a message (three 8 MiB chunks fit in 25 MiB; see
 * MessageBatcher). Only ids are kept (the locator is channel/message/attachment/file name); signed
 * URLs come from the cache. A CDN 404 means "refresh
 * the URL once"; a second 404, or an unknown message, means the chunk is lost, reported as such.
 */
export class DiscordChunkStore implements ChunkStore {
  readonly name = 'discord';
  readonly limits: ChunkStoreLimits;

  private readonly batcher: MessageBatcher;

  constructor(private readonly options: DiscordStoreOptions) {
    const maxBytes = (options.maxRequestBytes ?? 25 * 1024 * 1024) - REQUEST_OVERHEAD;
    const maxCount = options.maxAttachmentsPerMessage ?? 10;
    const messagesInFlight = options.messagesInFlight ?? 2;
    const perMessage = Math.max(1, Math.min(maxCount, Math.floor(maxBytes / options.typicalChunkBytes)));
    this.limits = {
      maxChunkBytes: options.maxAttachmentBytes,
      // A message being sent and the next one filling up: when a webhook frees, a full one is ready.
      chunksInFlight: perMessage * messagesInFlight,
    };
    this.batcher = new MessageBatcher({
      maxCount,
      maxBytes,
      typicalBytes: options.typicalChunkBytes,
      messagesInFlight,
      lingerMs: options.lingerMs ?? 2_000,
      slotWait: () => options.scheduler.uploadWait(),
      send: (batch) => this.send(batch),
    });
  }

  put(key: string, data: Buffer): Promise<string> {
    if (data.length > this.limits.maxChunkBytes) {
      return Promise.reject(
        new Error(`A ${data.length}-byte chunk is over Discord's ${this.limits.maxChunkBytes}-byte limit`),
      );
    }
    return new Promise((resolve, reject) => {
      this.batcher.add({ filename: `${key}.bin`, data, resolve, reject });
    });
  }

  incoming(): IncomingChunk {
    return this.batcher.incoming();
  }

  private async send(batch: QueuedPut[]): Promise<void> {
    try {
      const stored = await this.post(batch);
      batch.forEach((p, i) => {
        const locator = stored[i]!;
        if (locator instanceof Error) p.reject(locator);
        else p.resolve(locator);
      });
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
    }
  }

  /** Sends one message with these attachments; the locator of each, or why it was not stored. */
  private async post(
    files: { filename: string; data: Buffer }[],
    avoidChannels?: readonly string[],
  ): Promise<(string | Error)[]> {
    const body = new MultipartBody(
      [
        {
          name: 'payload_json',
          value: JSON.stringify({ attachments: files.map((p, i) => ({ id: i, filename: p.filename })) }),
        },
      ],
      files.map((p, i) => ({ field: `files[${i}]`, filename: p.filename, data: p.data })),
    );
    const message = (await this.options.scheduler.upload(() => body, avoidChannels)) as DiscordMessage;
    return files.map((p) => {
      const attachment = message.attachments.find((a) => a.filename === p.filename);
      if (!attachment || attachment.size !== p.data.length) {
        return new Error(`Discord stored ${attachment?.size ?? 'no'} bytes of a ${p.data.length}-byte chunk`);
      }
      this.options.urls.remember(attachment.id, attachment.url);
      return formatLocator({
        channelId: message.channel_id,
        messageId: message.id,
        attachmentId: attachment.id,
        filename: p.filename,
      });
    });
  }

  placeOf(locator: string): string {
    return parseLocator(locator).channelId;
  }

  places(): string[] {
    return this.options.scheduler.uploadChannels();
  }

  /** A copy goes alone in a message of its own, in a channel none of `avoid` is in. */
  async putApart(key: string, data: Buffer, avoid: readonly string[]): Promise<string> {
    if (data.length > this.limits.maxChunkBytes) {
      throw new Error(
        `A ${data.length}-byte chunk is over Discord's ${this.limits.maxChunkBytes}-byte limit`,
      );
    }
    if (!this.places().some((place) => !avoid.includes(place))) {
      throw new Error('No storage channel is left apart from the copies this chunk has');
    }
    const [stored] = await this.post([{ filename: `${key}.bin`, data }], avoid);
    if (stored instanceof Error) throw stored;
    return stored!;
  }

  /**
   * Reads each message once through a bot. Unknown Message: every chunk in it is gone. A bot
   * without the Message Content intent sees no attachments in our webhooks' messages, so then the
   * message standing is all it can tell; one that sees them also checks each attachment is there.
   */
  async probe(locators: string[]): Promise<Map<string, 'present' | 'missing' | Error>> {
    const found = new Map<string, 'present' | 'missing' | Error>();
    const byMessage = new Map<string, string[]>();
    for (const locator of locators) {
      const container = containerOfLocator(locator);
      byMessage.set(container, [...(byMessage.get(container) ?? []), locator]);
    }
    for (const [container, inMessage] of byMessage) {
      const [channelId, messageId] = container.split('/') as [string, string];
      try {
        const res = await this.options.scheduler.bot(
          'checking a stored message',
          `messages:channel:${channelId}`,
          (bot) => ({
            method: 'GET',
            path: `/channels/${channelId}/messages/${messageId}`,
            authorization: `Bot ${bot.token}`,
          }),
        );
        const message = res.json as DiscordMessage;
        const seen = new Set(message.attachments.map((a) => a.id));
        for (const locator of inMessage) {
          const visible = seen.size === 0 || seen.has(parseLocator(locator).attachmentId);
          found.set(locator, visible ? 'present' : 'missing');
        }
      } catch (err) {
        const gone = err instanceof DiscordRequestError && err.body?.code === UNKNOWN_MESSAGE;
        for (const locator of inMessage) found.set(locator, gone ? 'missing' : (err as Error));
      }
    }
    return found;
  }

  async get(locator: string, range?: ByteRange, into?: Buffer): Promise<Buffer> {
    const ref = parseLocator(locator);
    let fresh = false;
    for (let attempt = 1; ; attempt++) {
      let url: string;
      try {
        url = await this.options.urls.url(ref, fresh);
      } catch (err) {
        if (err instanceof DiscordRequestError && err.status === 404)
          throw new ChunkMissingError(locator, this.name);
        throw err;
      }
      const res = await this.fetchCdn(url, range).catch((err: unknown) => err as Error);
      if (res instanceof Error || res.status >= 500) {
        if (attempt >= CDN_ATTEMPTS)
          throw res instanceof Error ? res : new Error(`Discord's CDN answered ${res.status}`);
        continue;
      }
      if (res.status === 404) {
        // Expired, revoked or deleted: a fresh URL tells which. After that, the chunk is gone.
        if (fresh) throw new ChunkMissingError(locator, this.name);
        fresh = true;
        continue;
      }
      if (res.status !== 200 && res.status !== 206) throw new Error(`Discord's CDN answered ${res.status}`);
      // A connection cut mid-body fails the read; the stored chunk may be fine, so ask again.
      const body = await res.arrayBuffer().then(
        (bytes) => Buffer.from(bytes),
        (err: unknown) => err as Error,
      );
      if (body instanceof Error) {
        if (attempt >= CDN_ATTEMPTS) throw body;
        continue;
      }
      // A CDN that ignores Range answers 200 with the whole attachment: cut the range out ourselves.
      const bytes = res.status === 200 && range ? body.subarray(range.start, range.end) : body;
      const expected = range
        ? range.end - range.start
        : Number(res.headers.get('content-length') ?? bytes.length);
      if (bytes.length !== expected) {
        // A body cut short in transit; the stored chunk may be fine, so ask again.
        if (attempt >= CDN_ATTEMPTS) {
          throw new IntegrityError(`Discord's CDN returned ${bytes.length} of ${expected} bytes of a chunk`);
        }
        continue;
      }
      if (into && into.length === bytes.length) {
        bytes.copy(into);
        return into;
      }
      return bytes;
    }
  }

  containerOf(locator: string): string {
    // A bare key (a chunk whose message id was never recorded) is its own container.
    return isLocator(locator) ? containerOfLocator(locator) : locator;
  }

  async delete(locator: string): Promise<void> {
    // A chunk whose message id was never recorded (the process died between Discord's answer and our
    // write) is queued under its bare key; the sweep finds such messages by their file names.
    if (!isLocator(locator)) return;
    const ref = parseLocator(locator);
    try {
      await this.options.scheduler.bot('deleting a chunk', `delete:channel:${ref.channelId}`, (bot) => ({
        method: 'DELETE',
        path: `/channels/${ref.channelId}/messages/${ref.messageId}`,
        authorization: `Bot ${bot.token}`,
      }));
    } catch (err) {
      // Already gone is what we wanted.
      if (!(err instanceof DiscordRequestError && err.body?.code === UNKNOWN_MESSAGE)) throw err;
    }
    this.options.urls.forget(ref.attachmentId);
  }

  /**
   * Bulk delete takes 2–100 messages of one channel, none older than 14 days; older ones go one by
   * one (Discord refuses the whole batch otherwise).
   */
  async deleteMany(locators: string[]): Promise<Map<string, Error>> {
    const errors = new Map<string, Error>();
    const byChannel = new Map<string, { messageId: string; locators: string[] }[]>();
    for (const locator of locators.filter(isLocator)) {
      const ref = parseLocator(locator);
      const messages = byChannel.get(ref.channelId) ?? [];
      const message = messages.find((m) => m.messageId === ref.messageId);
      if (message) message.locators.push(locator);
      else messages.push({ messageId: ref.messageId, locators: [locator] });
      byChannel.set(ref.channelId, messages);
    }
    // A margin, so a message does not turn 14 days old between our check and Discord's.
    const bulkSince = this.options.now() - BULK_DELETE_MAX_AGE_MS + 3_600_000;
    for (const [channelId, messages] of byChannel) {
      const recent = messages.filter((m) => snowflakeTime(m.messageId) > bulkSince);
      const single = messages.filter((m) => !recent.includes(m));
      for (let i = 0; i < recent.length; i += 100) {
        const group = recent.slice(i, i + 100);
        if (group.length < 2) {
          single.push(...group);
          continue;
        }
        try {
          await this.options.scheduler.bot('deleting chunks', `bulk-delete:channel:${channelId}`, (bot) => ({
            method: 'POST',
            path: `/channels/${channelId}/messages/bulk-delete`,
            authorization: `Bot ${bot.token}`,
            body: () => ({ messages: group.map((m) => m.messageId) }),
          }));
          for (const m of group)
            for (const locator of m.locators) this.options.urls.forget(parseLocator(locator).attachmentId);
        } catch (err) {
          for (const m of group) for (const locator of m.locators) errors.set(locator, err as Error);
        }
      }
      for (const m of single) {
        await this.delete(m.locators[0]!).catch((err: unknown) => {
          for (const locator of m.locators) errors.set(locator, err as Error);
        });
      }
    }
    return errors;
  }

  /**
   * Lists the storage channels and deletes our webhooks' messages that no chunk is in. Messages are
   * judged by id, never by their attachments: a bot without the Message Content intent sees none,
   * and a message sent twice (Discord stored it, its answer was lost, the chunk went again) carries
   * the same chunk names as the copy that was recorded.
   */
  async sweep(known: SweepRecords, before: number): Promise<number> {
    const ours = new Set(this.options.webhookIds());
    let deleted = 0;
    for (const channelId of this.options.channels()) {
      const orphans: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const res = await this.options.scheduler.bot(
          'listing stored messages',
          `messages:channel:${channelId}`,
          (bot) => ({
            method: 'GET',
            path: `/channels/${channelId}/messages?limit=100${cursor ? `&before=${cursor}` : ''}`,
            authorization: `Bot ${bot.token}`,
          }),
        );
        const page = res.json as DiscordMessage[];
        if (page.length === 0) break;
        cursor = page[page.length - 1]!.id;
        const old = page.filter(
          (m) => snowflakeTime(m.id) < before && m.webhook_id !== undefined && ours.has(m.webhook_id),
        );
        const inUse = await known.containers(old.map((m) => `${channelId}/${m.id}`));
        for (const m of old) {
          if (inUse.has(`${channelId}/${m.id}`)) continue;
          // Deleting needs only the message; the rest of the locator is a placeholder.
          orphans.push(formatLocator({ channelId, messageId: m.id, attachmentId: '0', filename: 'orphan' }));
        }
        if (page.length < 100) break;
      }
      const failed = await this.deleteMany(orphans);
      deleted += orphans.length - failed.size;
    }
    return deleted;
  }

  private fetchCdn(url: string, range: ByteRange | undefined): Promise<Response> {
    return fetch(url, {
      headers: range ? { range: `bytes=${range.start}-${range.end - 1}` } : {},
      signal: AbortSignal.timeout(this.options.cdnTimeoutMs ?? 30_000),
    });
  }
}
