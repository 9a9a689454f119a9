/**
 * Every number the emulator enforces, with Discord's defaults from reference/discord-api.md.
 * [doc] values are Discord's documented limits; [obs] values were seen by the community; [?] values
 * are guesses, kept configurable so tests can probe either side of them.
 */

/** A fixed-window bucket: `limit` requests per `windowMs`, the window starting at the first request. */
export interface BucketLimit {
  limit: number;
  windowMs: number;
  /** Some routes answer without any X-RateLimit-* header (creating a webhook was reported as one). */
  sendHeaders: boolean;
}

/** The per-route buckets the emulator knows; any other API route uses `default`. */
export type BucketName =
  | 'createMessage'
  | 'webhookExecute'
  | 'webhookChannelShared'
  | 'webhookMessage'
  | 'getMessage'
  | 'editMessage'
  | 'deleteMessageYoung'
  | 'deleteMessage'
  | 'deleteOldMessage'
  | 'deleteUnknownMessage'
  | 'bulkDelete'
  | 'createWebhook'
  | 'refreshUrls'
  | 'default';

export type BanForm = 'json429' | 'cloudflare1015' | 'forbidden403';

export interface EmulatorLimits {
  /** Per attachment [doc]: 10 MiB. A bigger file is refused with 413 / 40005. */
  maxFileBytes: number;
  /** Whole request body [doc]: 25 MiB, multipart overhead included. */
  maxRequestBytes: number;
  /** Attachments on one message [doc]; more gives 400 / 30015. */
  maxAttachmentsPerMessage: number;
  /** Message `content` length [doc]. */
  maxContentLength: number;
  maxWebhooksPerChannel: number;
  maxWebhooksPerGuild: number;
  maxChannelsPerGuild: number;
  bulkDeleteMin: number;
  bulkDeleteMax: number;
  /** Messages older than this cannot be bulk deleted (50034) and use the old-message delete bucket. */
  bulkDeleteMaxAgeMs: number;
  /** URLs per `POST /attachments/refresh-urls` [obs]. */
  refreshUrlsMax: number;
  /** How long `enforce_nonce` remembers a bot message's nonce ("the past few minutes") [?]. */
  nonceWindowMs: number;
  cdn: {
    /** `ex` − `is` of a signed URL [obs]: 24 h. */
    urlLifetimeMs: number;
    /** Status for a missing, expired or wrongly signed URL [obs]: 404 (403 is the other form seen). */
    deniedStatus: 404 | 403;
    /** Answer `Range` requests with 206 / 416; off answers 200 with the whole body. */
    ranges: boolean;
  };
  rateLimits: {
    /** Off: no 429s of any kind and no X-RateLimit-* headers (the invalid-request ban is separate). */
    enabled: boolean;
    /** Per token, or per IP without an Authorization header [doc]: 50 per second. */
    global: { limit: number; windowMs: number };
    /** Messages younger than this use `deleteMessageYoung` [obs]. */
    youngMessageAgeMs: number;
    buckets: Record<BucketName, BucketLimit>;
  };
  invalidRequests: {
    enabled: boolean;
    /** 401, 403 and non-shared 429 answers per IP in the sliding window before a ban [doc]. */
    threshold: number;
    windowMs: number;
    /** How long a ban lasts [obs]: about an hour to a day. */
    banMs: number;
    banForm: BanForm;
  };
}

const bucket = (limit: number, windowMs: number, sendHeaders = true): BucketLimit => ({
  limit,
  windowMs,
  sendHeaders,
});

export function defaultLimits(): EmulatorLimits {
  return {
    maxFileBytes: 10 * 1024 * 1024,
    maxRequestBytes: 25 * 1024 * 1024,
    maxAttachmentsPerMessage: 10,
    maxContentLength: 2000,
    maxWebhooksPerChannel: 15,
    maxWebhooksPerGuild: 1000,
    maxChannelsPerGuild: 500,
    bulkDeleteMin: 2,
    bulkDeleteMax: 100,
    bulkDeleteMaxAgeMs: 14 * 24 * 3600 * 1000,
    refreshUrlsMax: 50,
    nonceWindowMs: 5 * 60 * 1000,
    cdn: { urlLifetimeMs: 24 * 3600 * 1000, deniedStatus: 404, ranges: true },
    rateLimits: {
      enabled: true,
      global: { limit: 50, windowMs: 1000 },
      youngMessageAgeMs: 10_000,
      buckets: {
        createMessage: bucket(5, 5000), // [obs] 5 per ~5 s per channel
        webhookExecute: bucket(5, 2000), // [obs] 5 per 2 s per webhook
        webhookChannelShared: bucket(30, 60_000), // [obs] hidden, ~30 per minute per channel
        webhookMessage: bucket(5, 1000), // [?]
        getMessage: bucket(5, 1000), // [?]
        editMessage: bucket(5, 5000), // [?]
        deleteMessageYoung: bucket(5, 1000), // [obs] under 10 s old
        deleteMessage: bucket(3, 333), // [obs] older than 10 s
        deleteOldMessage: bucket(30, 4000), // [obs] older than 14 days, its own bucket
        deleteUnknownMessage: bucket(5, 1000), // [obs]
        bulkDelete: bucket(1, 1000), // [obs] historically 1 per second per guild
        createWebhook: bucket(15, 60_000, false), // [obs] answered without headers; limit [?]
        refreshUrls: bucket(5, 1000), // [?]
        default: bucket(5, 1000), // [?]
      },
    },
    invalidRequests: {
      enabled: true,
      threshold: 10_000,
      windowMs: 10 * 60 * 1000,
      banMs: 3600 * 1000,
      banForm: 'json429',
    },
  };
}

/** A partial update, any depth. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Merges `patch` into `target` in place (plain objects only), so live references see the change. */
export function mergeLimits<T extends object>(target: T, patch: DeepPartial<T>): T {
  for (const [key, value] of Object.entries(patch) as [keyof T, unknown][]) {
    if (value === undefined) continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeLimits(current, value as DeepPartial<typeof current>);
    } else {
      target[key] = value as T[keyof T];
    }
  }
  return target;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
