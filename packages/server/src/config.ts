import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_CHUNK_SIZE, SEGMENT_SIZE } from '@idrive/shared';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

/** Every setting, by the environment variable that sets it. */
const envSchema = z.object({
  IDRIVE_DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATABASE_URL: z
    .string()
    .regex(
      /^(postgres|postgresql):\/\//,
      'must be a postgres:// URL (leave it unset for the embedded SQLite)',
    )
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL (leave it unset for one instance)')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1–64 letters, digits or :._-')
    .default('idrive:'),
  IDRIVE_MASTER_KEY: z.string().optional(),
  IDRIVE_ADMIN_USERNAME: z.string().min(1).default('admin'),
  IDRIVE_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  IDRIVE_TRASH_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  IDRIVE_VERSION_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  IDRIVE_VERSION_RETENTION_COUNT: positiveInt.max(10_000).default(100),
  IDRIVE_CHUNK_SIZE: positiveInt
    .default(DEFAULT_CHUNK_SIZE)
    .refine((n) => n % SEGMENT_SIZE === 0, `must be a multiple of ${SEGMENT_SIZE} (the segment size)`),
  IDRIVE_SESSION_TTL_DAYS: positiveInt.default(30),
  IDRIVE_TOKEN_TTL_DAYS: positiveInt.max(3650).default(90),
  IDRIVE_UPLOAD_EXPIRY_HOURS: positiveInt.default(72),
  IDRIVE_MAX_FILE_SIZE: positiveInt.max(Number.MAX_SAFE_INTEGER).default(2 ** 40),
  IDRIVE_DOWNLOAD_MEMORY_MB: positiveInt.max(1024 * 1024).default(256),
  IDRIVE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  IDRIVE_TRUSTED_HOSTS: z.string().default(''),
  IDRIVE_SECURE_COOKIES: bool.optional(),
  IDRIVE_TRUST_PROXY: bool.default(false),
  IDRIVE_LOGIN_ATTEMPTS_PER_ACCOUNT: positiveInt.default(5),
  IDRIVE_LOGIN_ATTEMPTS_PER_IP: positiveInt.default(30),
  IDRIVE_LOGIN_WINDOW_MINUTES: positiveInt.default(15),
  IDRIVE_DEVICE_SIGN_INS_PER_IP: positiveInt.default(10),
  IDRIVE_REQUIRE_APP_PASSWORDS: bool.default(false),
  IDRIVE_WEB_DIR: z.string().optional(),
  IDRIVE_HEADERS_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  // Above the Discord scheduler's 120 s deadline: an upload waiting for capacity reads nothing meanwhile.
  IDRIVE_IDLE_TIMEOUT_SECONDS: z.coerce.number().positive().default(180),
  IDRIVE_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).optional(),
  IDRIVE_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(0).default(32),
  IDRIVE_MAX_SOCKETS_PER_IP: z.coerce.number().int().min(0).default(64),
  IDRIVE_JOB_INTERVAL_SECONDS: positiveInt.default(60),
  IDRIVE_JOB_LEASE_SECONDS: positiveInt.max(86_400).default(60),
  IDRIVE_SCRUB_PERIOD_DAYS: z.coerce.number().positive().max(3650).default(30),
  IDRIVE_SCRUB_DEEP_PERCENT: z.coerce.number().min(0).max(100).default(5),
  IDRIVE_VIDEO_POSTERS: bool.default(true),
  IDRIVE_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  IDRIVE_FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  IDRIVE_VIDEO_MEMORY_MB: positiveInt.default(1024),
  IDRIVE_IMAGE_MAX_PIXELS: positiveInt.default(100_000_000),
  IDRIVE_EXIFTOOL_PATH: z.string().min(1).default('exiftool'),
  IDRIVE_HEIF_CONVERT_PATH: z.string().min(1).default('heif-convert'),
  IDRIVE_RAW_HEIC_MAX_MB: positiveInt.max(64 * 1024).default(200),
  IDRIVE_RAW_HEIC_MEMORY_MB: positiveInt.default(1024),
  IDRIVE_RAW_HEIC_TIMEOUT_SECONDS: positiveInt.max(3600).default(60),
  DISCORD_API_BASE: z.url().default('https://discord.com/api/v10'),
  DISCORD_CDN_BASE: z.url().default('https://cdn.discordapp.com'),
  DISCORD_TIME_SCALE: z.coerce.number().positive().default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

/**
 * Secrets that may instead be given as the path of a file holding them (`IDRIVE_MASTER_KEY_FILE`), as
 * Docker and compose secrets are: a value in the environment shows in `docker inspect` and /proc.
 */
const FILE_VARIABLES = ['IDRIVE_MASTER_KEY', 'IDRIVE_ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL'] as const;

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  /** PostgreSQL when set; otherwise SQLite at `<dataDir>/idrive.sqlite`. */
  databaseUrl: string | undefined;
  /**
   * Cluster mode when set: instances on one PostgreSQL database share live events, Discord's limits,
   * throttles and upload locks through this Redis. Unset: everything stays in this process.
   */
  redisUrl: string | undefined;
  /** Put before every Redis key, so several drives (or test runs) can share one Redis. */
  redisPrefix: string;
  masterKey: string | undefined;
  adminUsername: string;
  adminPassword: string | undefined;
  trashRetentionDays: number;
  /**
   * Earlier versions of a file are kept this many days after they were replaced, and at most this
   * many versions per file (the current one included): the default, and the most a user may choose.
   */
  versionRetentionDays: number;
  versionRetentionCount: number;
  chunkSize: number;
  sessionTtlDays: number;
  /** Days a script token lasts when its creator names no expiry. */
  tokenTtlDays: number;
  uploadExpiryHours: number;
  /** The largest file accepted, in bytes, on every way in (tus, raw PUT, batches, the editor). */
  maxFileSize: number;
  /** Chunk memory all downloads together may hold (at least one chunk); past it, downloads wait their turn. */
  downloadMemoryBytes: number;
  /** The drive's address as users reach it (share links are made absolute with it). */
  publicUrl: string | undefined;
  /** Host names requests may be addressed to, besides the defaults (`*`: any). */
  trustedHosts: string[];
  /** Cookies only over HTTPS: set, or else true when the public URL is https. */
  secureCookies: boolean;
  trustProxy: boolean;
  loginAttemptsPerAccount: number;
  loginAttemptsPerIp: number;
  loginWindowMinutes: number;
  /** Sign-ins with a QR code one address may start within the login window. */
  deviceSignInsPerIp: number;
  /** Basic-auth gateways (WebDAV) take only app passwords, never the account password. */
  requireAppPasswords: boolean;
  webDir: string;
  /** A request's headers must arrive within this time. */
  headersTimeoutSeconds: number;
  /** A connection that sends and receives nothing for this long is closed (an upload that keeps sending is not). */
  idleTimeoutSeconds: number;
  /** Open connections one client address may hold; 0 means no cap. */
  maxConnectionsPerIp: number;
  /** Live-events websockets one user may hold open over all their sessions; 0 means no cap. */
  maxSocketsPerUser: number;
  /** Live-events websockets one client address may hold open (by the proxy's word when trusted); 0 means no cap. */
  maxSocketsPerIp: number;
  jobIntervalSeconds: number;
  /**
   * How long a claimed job is held for its worker, renewed every third of it while the job runs: the
   * job of an instance that died runs elsewhere after at most this long.
   */
  jobLeaseSeconds: number;
  /** The scrubber looks at every stored copy once in this time (IDRIVE_SCRUB_PERIOD_DAYS). */
  scrubPeriodMs: number;
  /** The share of the copies it looks at that it also reads back and opens (IDRIVE_SCRUB_DEEP_PERCENT). */
  scrubDeepShare: number;
  /** Video posters and durations with ffmpeg/ffprobe (names on PATH or paths); off, or missing, means none. */
  videoPosters: boolean;
  ffmpegPath: string;
  ffprobePath: string;
  /** The address space one ffmpeg/ffprobe run may use. */
  videoMemoryBytes: number;
  /** Images with more pixels get no thumbnail. */
  imageMaxPixels: number;
  /** Camera RAW previews come from exiftool, HEIC ones from heif-convert (names on PATH or paths). */
  exiftoolPath: string;
  heifConvertPath: string;
  /** RAW and HEIC files larger than this get no preview. */
  rawHeicMaxBytes: number;
  /** The address space one exiftool or heif-convert run may use, and how long it may take. */
  rawHeicMemoryBytes: number;
  rawHeicTimeoutSeconds: number;
  /** Discord's API and CDN; the emulator's in tests and the demo. */
  discordApiBase: string;
  discordCdnBase: string;
  /** Discord seconds per real second: 1 with Discord; the emulator can run its clock at another speed. */
  discordTimeScale: number;
  logLevel: string;
  /** JSON lines, or lines for a person; unset: for a person when stdout is a terminal. */
  logFormat: 'json' | 'pretty' | undefined;
}

export class ConfigError extends Error {}

const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Reads the configuration from the environment and, when `IDRIVE_CONFIG_FILE` names one, a JSON file
 * of the same variable names (the environment wins). Throws a ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.IDRIVE_CONFIG_FILE ? readConfigFile(env.IDRIVE_CONFIG_FILE) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const name of FILE_VARIABLES) readSecretFile(name, env, merged);
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.REDIS_URL && !e.DATABASE_URL)
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_URL: instances share one PostgreSQL database; set DATABASE_URL too',
    );
  if (e.REDIS_URL && !e.IDRIVE_MASTER_KEY)
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_URL: every instance needs the same master key; set IDRIVE_MASTER_KEY (or IDRIVE_MASTER_KEY_FILE)',
    );
  return {
    dataDir: path.resolve(e.IDRIVE_DATA_DIR),
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    masterKey: e.IDRIVE_MASTER_KEY,
    adminUsername: e.IDRIVE_ADMIN_USERNAME,
    adminPassword: e.IDRIVE_ADMIN_PASSWORD,
    trashRetentionDays: e.IDRIVE_TRASH_RETENTION_DAYS,
    versionRetentionDays: e.IDRIVE_VERSION_RETENTION_DAYS,
    versionRetentionCount: e.IDRIVE_VERSION_RETENTION_COUNT,
    chunkSize: e.IDRIVE_CHUNK_SIZE,
    sessionTtlDays: e.IDRIVE_SESSION_TTL_DAYS,
    tokenTtlDays: e.IDRIVE_TOKEN_TTL_DAYS,
    uploadExpiryHours: e.IDRIVE_UPLOAD_EXPIRY_HOURS,
    maxFileSize: e.IDRIVE_MAX_FILE_SIZE,
    downloadMemoryBytes: e.IDRIVE_DOWNLOAD_MEMORY_MB * 1024 * 1024,
    publicUrl: e.IDRIVE_PUBLIC_URL?.replace(/\/$/, ''),
    trustedHosts: e.IDRIVE_TRUSTED_HOSTS.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    secureCookies: e.IDRIVE_SECURE_COOKIES ?? e.IDRIVE_PUBLIC_URL?.startsWith('https://') ?? false,
    trustProxy: e.IDRIVE_TRUST_PROXY,
    loginAttemptsPerAccount: e.IDRIVE_LOGIN_ATTEMPTS_PER_ACCOUNT,
    loginAttemptsPerIp: e.IDRIVE_LOGIN_ATTEMPTS_PER_IP,
    loginWindowMinutes: e.IDRIVE_LOGIN_WINDOW_MINUTES,
    deviceSignInsPerIp: e.IDRIVE_DEVICE_SIGN_INS_PER_IP,
    requireAppPasswords: e.IDRIVE_REQUIRE_APP_PASSWORDS,
    webDir: e.IDRIVE_WEB_DIR ? path.resolve(e.IDRIVE_WEB_DIR) : defaultWebDir,
    headersTimeoutSeconds: e.IDRIVE_HEADERS_TIMEOUT_SECONDS,
    idleTimeoutSeconds: e.IDRIVE_IDLE_TIMEOUT_SECONDS,
    // Behind a reverse proxy every connection comes from the proxy's address, so a per-address cap
    // there would cap everyone together; the proxy is the place to limit clients then.
    maxConnectionsPerIp: e.IDRIVE_MAX_CONNECTIONS_PER_IP ?? (e.IDRIVE_TRUST_PROXY ? 0 : 64),
    maxSocketsPerUser: e.IDRIVE_MAX_SOCKETS_PER_USER,
    maxSocketsPerIp: e.IDRIVE_MAX_SOCKETS_PER_IP,
    jobIntervalSeconds: e.IDRIVE_JOB_INTERVAL_SECONDS,
    jobLeaseSeconds: e.IDRIVE_JOB_LEASE_SECONDS,
    scrubPeriodMs: e.IDRIVE_SCRUB_PERIOD_DAYS * 86_400_000,
    scrubDeepShare: e.IDRIVE_SCRUB_DEEP_PERCENT / 100,
    videoPosters: e.IDRIVE_VIDEO_POSTERS,
    ffmpegPath: e.IDRIVE_FFMPEG_PATH,
    ffprobePath: e.IDRIVE_FFPROBE_PATH,
    videoMemoryBytes: e.IDRIVE_VIDEO_MEMORY_MB * 1024 * 1024,
    imageMaxPixels: e.IDRIVE_IMAGE_MAX_PIXELS,
    exiftoolPath: e.IDRIVE_EXIFTOOL_PATH,
    heifConvertPath: e.IDRIVE_HEIF_CONVERT_PATH,
    rawHeicMaxBytes: e.IDRIVE_RAW_HEIC_MAX_MB * 1024 * 1024,
    rawHeicMemoryBytes: e.IDRIVE_RAW_HEIC_MEMORY_MB * 1024 * 1024,
    rawHeicTimeoutSeconds: e.IDRIVE_RAW_HEIC_TIMEOUT_SECONDS,
    discordApiBase: e.DISCORD_API_BASE.replace(/\/$/, ''),
    discordCdnBase: e.DISCORD_CDN_BASE.replace(/\/$/, ''),
    discordTimeScale: e.DISCORD_TIME_SCALE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  };
}

/** Puts the content of `<name>_FILE` in `merged[name]`; naming both the value and a file is refused. */
function readSecretFile(name: string, env: NodeJS.ProcessEnv, merged: Record<string, unknown>): void {
  const file = env[`${name}_FILE`];
  if (!file) return;
  if (env[name]) throw new ConfigError(`${name}_FILE: ${name} is set as well; give only one of them`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  // Files made with echo or an editor end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  // An empty master key would mean "make a new one", which must never happen because a mount failed.
  if (value === '') throw new ConfigError(`${name}_FILE: ${file} is empty`);
  merged[name] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`IDRIVE_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`IDRIVE_CONFIG_FILE: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`IDRIVE_CONFIG_FILE: ${file} must hold a JSON object of VARIABLE: value pairs`);
  }
  // Numbers and booleans in the file become strings, as they would be in the environment.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
  );
}
