import type { DiscordScheduler } from './discord-scheduler.js';
import type { DiscordChunkRef, DiscordMessage } from './discord-types.js';

/** refresh-urls takes at most this many URLs per call. */
const REFRESH_BATCH = 50;

interface Cached {
  url: string;
  /** From the URL's `ex` (Discord's clock, ms). */
  expiresAt: number;
}

/**
 * Signed CDN URLs, cached until shortly before their `ex` and refreshed in batches: requests for
 * URLs that arrive in the same tick share one `POST /attachments/refresh-urls` call per 50. That
 * route is undocumented, so a failure falls back to fetching each message, which always carries
 * freshly signed URLs.
 */
export class SignedUrlCache {
  private readonly cache = new Map<string, Cached>();
  private pending: { ref: DiscordChunkRef; resolve: (url: string) => void; reject: (err: Error) => void }[] =
    [];

  constructor(
    private readonly scheduler: DiscordScheduler,
    private readonly cdnBase: string,
    /** Discord's clock: the URLs' expiry is in it. */
    private readonly now: () => number,
    /** Refresh this long before `ex`, so a URL never expires between our check and the CDN's. */
    private readonly marginMs = 60_000,
  ) {}

  /** A URL that is valid now; `fresh` forces a refresh (the CDN said 404). */
  url(ref: DiscordChunkRef, fresh = false): Promise<string> {
    const cached = this.cache.get(ref.attachmentId);
    if (!fresh && cached && cached.expiresAt - this.marginMs > this.now()) return Promise.resolve(cached.url);
    return new Promise((resolve, reject) => {
      this.pending.push({ ref, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  /** Remembers a URL Discord just gave us (an upload's answer). */
  remember(attachmentId: string, url: string): void {
    const expiresAt = expiryOf(url);
    if (expiresAt !== null) this.cache.set(attachmentId, { url, expiresAt });
  }

  forget(attachmentId: string): void {
    this.cache.delete(attachmentId);
  }

  private async flush(): Promise<void> {
    const waiting = this.pending;
    this.pending = [];
    for (let i = 0; i < waiting.length; i += REFRESH_BATCH) {
      const batch = waiting.slice(i, i + REFRESH_BATCH);
      const refreshed = await this.refreshBatch(batch.map((w) => w.ref)).catch(
        () => new Map<string, string>(),
      );
      for (const w of batch) {
        const url = refreshed.get(w.ref.attachmentId);
        if (url) {
          this.remember(w.ref.attachmentId, url);
          w.resolve(url);
        } else {
          this.fromMessage(w.ref).then(w.resolve, w.reject);
        }
      }
    }
  }

  private async refreshBatch(refs: DiscordChunkRef[]): Promise<Map<string, string>> {
    const originals = new Map(refs.map((ref) => [this.bareUrl(ref), ref.attachmentId]));
    const res = await this.scheduler.bot('refreshing CDN links', 'refresh-urls', (bot) => ({
      method: 'POST',
      path: '/attachments/refresh-urls',
      authorization: `Bot ${bot.token}`,
      body: () => ({ attachment_urls: [...originals.keys()] }),
    }));
    const body = res.json as { refreshed_urls?: { original: string; refreshed: string }[] } | undefined;
    const out = new Map<string, string>();
    for (const entry of body?.refreshed_urls ?? []) {
      const id = originals.get(entry.original.split('?')[0]!);
      if (id) out.set(id, entry.refreshed);
    }
    return out;
  }

  private async fromMessage(ref: DiscordChunkRef): Promise<string> {
    const res = await this.scheduler.bot(
      'fetching a message',
      `messages:channel:${ref.channelId}`,
      (bot) => ({
        method: 'GET',
        path: `/channels/${ref.channelId}/messages/${ref.messageId}`,
        authorization: `Bot ${bot.token}`,
      }),
    );
    let message = res.json as DiscordMessage;
    // A bot without the Message Content intent sees no attachments in a webhook's message; the
    // webhook that posted it does.
    if (message.attachments.length === 0 && message.webhook_id !== undefined) {
      message =
        ((await this.scheduler.webhookMessage(message.webhook_id, ref.messageId)) as
          DiscordMessage | undefined) ?? message;
    }
    const attachment = message.attachments.find((a) => a.id === ref.attachmentId);
    if (!attachment)
      throw new Error(`Discord message ${ref.messageId} no longer has attachment ${ref.attachmentId}`);
    this.remember(ref.attachmentId, attachment.url);
    return attachment.url;
  }

  private bareUrl(ref: DiscordChunkRef): string {
    return `${this.cdnBase}/attachments/${ref.channelId}/${ref.attachmentId}/${ref.filename}`;
  }
}

/** `ex` is the expiry as hex Unix seconds. */
export function expiryOf(url: string): number | null {
  const ex = new URL(url).searchParams.get('ex');
  return ex && /^[0-9a-f]+$/i.test(ex) ? parseInt(ex, 16) * 1000 : null;
}
