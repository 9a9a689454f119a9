import os from 'node:os';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { RedisLink } from './cluster/redis-link.js';
import { RedisDownloadRegistry } from './cluster/redis-download-registry.js';
import { RedisLock } from './cluster/redis-lock.js';
import { RedisLoginThrottle } from './cluster/redis-login-throttle.js';
import type { Config } from './config.js';
import { openDatabase, type DbHandle } from './db/database.js';
import { syncJournalCapture } from './db/journal-capture.js';
import { migrateToLatest } from './db/migrate.js';
import { EventSockets } from './events/event-sockets.js';
import { ItemEvents } from './events/item-events.js';
import { MemoryEventBus } from './events/memory-event-bus.js';
import { placeOf } from './events/place.js';
import { RedisEventBus } from './events/redis-event-bus.js';
import { UploadProgress } from './events/upload-progress.js';
import { registerAuth } from './http/auth.js';
import { capConnectionsPerAddress } from './http/connection-cap.js';
import { registerLockPolicy, type LockRule } from './http/lock-policy.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { SocketCaps } from './http/socket-caps.js';
import { ZIP_PLANNING_LIMITS, ZipPlanning, type ZipPlanningLimits } from './http/zip-planning.js';
import { registerErrorHandling } from './http/errors.js';
import { serializeRequest } from './http/request-log.js';
import { registerSerialization } from './http/serialization.js';
import { registerTrustedHosts } from './http/trusted-hosts.js';
import { DbJobQueue, DEFAULT_JOB_QUEUE_OPTIONS } from './jobs/db-job-queue.js';
import { JobWorker } from './jobs/job-worker.js';
import { controlTopic } from './journal/control-channel.js';
import { JournalWriter } from './journal/journal-writer.js';
import { chooseLogFormat, logDestination } from './lib/log-output.js';
import { MemoryLoginThrottle, type LoginThrottle } from './lib/login-throttle.js';
import { Argon2PasswordHasher, type PasswordHasher } from './lib/password-hasher.js';
import { SecretBox } from './lib/secret-box.js';
import { Repositories } from './repositories/repositories.js';
import { adminStorageRoutes } from './routes/admin-storage.routes.js';
import { appPasswordRoutes } from './routes/app-passwords.routes.js';
import { archiveRoutes } from './routes/archive.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { deviceSignInRoutes } from './routes/device-sign-in.routes.js';
import { downloadRoutes } from './routes/downloads.routes.js';
import type { RouteContext } from './routes/context.js';
import { eventRoutes } from './routes/events.routes.js';
import { fileRoutes } from './routes/files.routes.js';
import { folderRoutes } from './routes/folders.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { itemRoutes } from './routes/items.routes.js';
import { lockRoutes } from './routes/locks.routes.js';
import { mediaRoutes } from './routes/media.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { shareLinkRoutes } from './routes/share-links.routes.js';
import { shareRoutes } from './routes/shares.routes.js';
import { starredRecentRoutes } from './routes/starred-recent.routes.js';
import { tagRoutes } from './routes/tags.routes.js';
import { trashRoutes } from './routes/trash.routes.js';
import { uploadRoutes } from './routes/uploads.routes.js';
import { quotaRoutes } from './routes/quotas.routes.js';
import { userShareRoutes } from './routes/user-shares.routes.js';
import { userRoutes } from './routes/users.routes.js';
import { versionRoutes } from './routes/versions.routes.js';
import { webRoutes } from './routes/web.routes.js';
import { zipRoutes } from './routes/zip.routes.js';
import { AccessService } from './services/access.service.js';
import { AppPasswordService } from './services/app-password.service.js';
import { ArchiveService } from './services/archive.service.js';
import { AuthService } from './services/auth.service.js';
import { BatchUploadService } from './services/batch-upload.service.js';
import { DeviceSignInService } from './services/device-sign-in.service.js';
import { DiscordService } from './services/discord.service.js';
import { MemoryDownloadRegistry } from './services/download-registry.js';
import { DownloadService } from './services/download.service.js';
import { FileService } from './services/file.service.js';
import { ItemService } from './services/item.service.js';
import { LockService } from './services/lock.service.js';
import { MEDIA_JOB, MediaQueue } from './services/media-queue.js';
import { MediaService } from './services/media.service.js';
import { PhotoTools } from './services/photo-tools.js';
import { VideoTools } from './services/thumbnail-video.js';
import { SearchService } from './services/search.service.js';
import { ShareService } from './services/share.service.js';
import { StarService } from './services/star.service.js';
import { RecentService } from './services/recent.service.js';
import { TagService } from './services/tag.service.js';
import { MaintenanceService } from './services/maintenance.service.js';
import { MAINTENANCE_JOB, MaintenanceSchedule, SCRUB_JOB } from './services/maintenance-schedule.js';
import { CopyReader } from './services/copy-reader.js';
import { ScrubService } from './services/scrub.service.js';
import { StorageCopiesService } from './services/storage-copies.service.js';
import { PackService } from './services/pack.service.js';
import { QuotaService } from './services/quota.service.js';
import { SettingsService } from './services/settings.service.js';
import { UploadService, uploadBusy } from './services/upload.service.js';
import { UserShareService } from './services/user-share.service.js';
import { UserService } from './services/user.service.js';
import { VersionService } from './services/version.service.js';
import { ZipService } from './services/zip.service.js';
import type { ChunkStore } from './storage/chunk-store.js';
import { CipherPool } from './storage/cipher-pool.js';
import { LocalDiskStore } from './storage/local-disk.store.js';
import { DriveKeys } from './storage/drive-keys.js';
import { loadOrCreateMasterKey } from './storage/master-key.js';
import { preparePrivateDir } from './storage/private-files.js';
import { StoreRegistry } from './storage/store-registry.js';
import { DbUploadStaging } from './storage/db-upload-staging.js';
import { DiskUploadStaging } from './storage/upload-staging.js';
import { GatewayCredentials, basicAuthenticator } from './webdav/dav-credentials.js';
import { DavLockService } from './webdav/dav-locks.js';
import { davRoutes, registerDavMethods } from './webdav/dav.routes.js';

/** What tests (and later features) may swap in. */
export interface AppOverrides {
  hasher?: PasswordHasher;
  /** Extra or replacement chunk stores; `writeTo` picks where new chunks go. */
  stores?: ChunkStore[];
  writeTo?: string;
  /** Use this database (already migrated or not) instead of opening one from the config. */
  db?: DbHandle;
  /** Worker threads that encrypt, decrypt and hash (default: one per core but one, at least two; 0 runs it inline). */
  cipherThreads?: number;
  /** Start the periodic maintenance job (default true). */
  jobs?: boolean;
  /** Start writing the metadata journal in the background (default: as `jobs`; tests may flush it by hand). */
  journal?: boolean;
  logger?: FastifyBaseLogger;
  /** Other bounds on zip planning, so tests can reach them with small folders. */
  zipPlanning?: Partial<ZipPlanningLimits>;
}

/** A registered route, as the authorisation tests enumerate them. */
export interface RouteInfo {
  method: string;
  url: string;
  public: boolean;
  permission: string | undefined;
  /** The items it checks against locks, or why it need not. */
  locks: LockRule | undefined;
  lockExempt: string | undefined;
  /** Whether its JSON answers go out through a response schema. */
  responseSchema: boolean;
}

export interface DriveApp {
  app: FastifyInstance;
  routes: RouteInfo[];
  discord: DiscordService;
  context: RouteContext;
  maintenance: MaintenanceService;
  /** The scrubber (tests run it by hand). */
  scrub: ScrubService;
  packs: PackService;
  media: MediaService;
  jobQueue: DbJobQueue;
  /** Runs background jobs (started with the app unless `jobs` is false; tests drive it by hand). */
  jobWorker: JobWorker;
  /** Writes the metadata journal to Discord; null when IDRIVE_JOURNAL is off. */
  journal: JournalWriter | null;
  repos: Repositories;
  stores: StoreRegistry;
  /** The shared Redis in cluster mode. */
  redis: RedisLink | undefined;
  close(): Promise<void>;
}

const API_PREFIX = '/api/v1';
/**
 * A resumable upload's shared lock: a dead holder blocks the upload this long, and a second request
 * waits this long before it is told to retry (tus clients retry a 423).
 */
const UPLOAD_LOCK = { ttlMs: 10_000, waitMs: 3_000 };
/** How long an unlocked folder stays open for the session that unlocked it. */
const UNLOCK_GRANT_MS = 30 * 60_000;

/** The composition root: builds every part from the config and wires them together. */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<DriveApp> {
  const app = Fastify({
    ...(overrides.logger
      ? { loggerInstance: overrides.logger }
      : {
          logger: {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
            serializers: { req: serializeRequest },
            stream: await logDestination(chooseLogFormat(config.logFormat, process.stdout.isTTY === true)),
          },
        }),
    trustProxy: config.trustProxy,
    // Uploads stream for as long as they take, so there is no whole-request limit; headers that
    // trickle in and connections that go quiet are cut instead.
    requestTimeout: 0,
    connectionTimeout: config.idleTimeoutSeconds * 1000,
    http: {
      headersTimeout: config.headersTimeoutSeconds * 1000,
      // Node checks the headers timeout on this interval (30 s by default), which would let a
      // short timeout run long.
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutSeconds * 1000),
    },
    bodyLimit: 1024 * 1024,
  });
  capConnectionsPerAddress(app.server, config.maxConnectionsPerIp);
  registerDavMethods(app);
  const log = app.log;
  preparePrivateDir(config.dataDir, (message) => log.warn(message));
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        permission: route.config?.permission,
        locks: route.config?.locks,
        lockExempt: route.config?.lockExempt,
        responseSchema: route.schema?.response !== undefined,
      });
    }
  });

  const { key: masterKey } = await loadOrCreateMasterKey({
    envValue: config.masterKey,
    keyFile: path.join(config.dataDir, 'master.key'),
    log: (message) => log.warn(message),
  });

  const db =
    overrides.db ?? openDatabase({ url: config.databaseUrl ?? path.join(config.dataDir, 'idrive.sqlite') });
  const shareTokens = new SecretBox(masterKey.deriveKey('idrive/share-tokens/v1'));
  await migrateToLatest(db, { shareTokens });
  await syncJournalCapture(db, config.journal);
  const repos = new Repositories(db);
  const keys = new DriveKeys(masterKey, await repos.drive.id());
  // Cluster mode: what instances must agree on goes through this Redis.
  const redis = config.redisUrl
    ? await RedisLink.connect(config.redisUrl, config.redisPrefix, {
        info: (message) => log.info(message),
        warn: (message) => log.warn(message),
      })
    : undefined;

  const stores = new StoreRegistry(
    overrides.stores ?? [new LocalDiskStore(path.join(config.dataDir, 'chunks'))],
    overrides.writeTo ?? 'local',
  );
  // Any instance must be able to continue an upload another one began (and may have died in).
  const staging = redis
    ? new DbUploadStaging(repos)
    : new DiskUploadStaging(path.join(config.dataDir, 'staging'));
  const hasher = overrides.hasher ?? new Argon2PasswordHasher();

  // Live events stay in this process, or in cluster mode go round every instance through Redis.
  const onListenerError = (err: unknown) => log.error({ err }, 'an event listener failed');
  const redisBus =
    redis &&
    (await RedisEventBus.start(redis, {
      onListenerError,
      onRedisError: (err) => log.warn({ err }, 'live events could not go through Redis'),
    }));
  const bus = redisBus ?? new MemoryEventBus({ onListenerError });
  // Wrong secrets are counted across instances in cluster mode, so spreading guesses gains nothing.
  const attemptThrottle = (): LoginThrottle => {
    const windowMs = config.loginWindowMinutes * 60_000;
    return redis
      ? new RedisLoginThrottle(redis, windowMs, {
          onError: (err) => log.warn({ err }, 'an attempt could not be taken back'),
        })
      : new MemoryLoginThrottle(windowMs);
  };
  // Recent changes come from committed item events, on the instance that made the change.
  const recent = new RecentService(repos, (err) => log.warn({ err }, 'recent files could not be recorded'));
  const itemEvents = new ItemEvents(bus, [recent]);
  // A cancel must reach the response wherever it is sent from.
  const downloadRegistry = redis
    ? await RedisDownloadRegistry.start(redis, {
        onError: (err) => log.warn({ err }, 'a download could not be recorded in Redis'),
      })
    : new MemoryDownloadRegistry();
  const users = new UserService(repos, hasher);
  const auth = new AuthService(repos, hasher, attemptThrottle(), config, bus);
  const appPasswords = new AppPasswordService(repos, auth, attemptThrottle(), config, bus);
  const deviceSignIns = new DeviceSignInService(repos, auth, attemptThrottle(), config);
  const quota = new QuotaService(repos);
  const access = new AccessService(repos);
  const items = new ItemService(repos, config.trashRetentionDays, itemEvents, quota, access);
  const userShares = new UserShareService(repos, items, itemEvents);
  const tags = new TagService(repos, items);
  const search = new SearchService(repos, items, tags, access);
  const stars = new StarService(repos, items, itemEvents);
  const locks = new LockService(repos, items, access, hasher, attemptThrottle(), UNLOCK_GRANT_MS);
  // The main thread keeps HTTP and disk; the other cores encrypt, decrypt and hash. At least two, so
  // that a download can open on one while it hashes on the other; they start only when needed.
  const pool = new CipherPool(overrides.cipherThreads ?? Math.max(2, os.availableParallelism() - 1));
  const jobQueue = new DbJobQueue(repos, {
    ...DEFAULT_JOB_QUEUE_OPTIONS,
    leaseMs: config.jobLeaseSeconds * 1000,
  });
  const files = new FileService(
    repos,
    items,
    stores,
    keys,
    config.chunkSize,
    pool,
    itemEvents,
    new MediaQueue(jobQueue),
    quota,
    config.maxFileSize,
    config.downloadMemoryBytes,
  );
  const versions = new VersionService(repos, items, files, itemEvents, {
    days: config.versionRetentionDays,
    count: config.versionRetentionCount,
  });
  const photos = new PhotoTools({
    exiftool: config.exiftoolPath,
    heifConvert: config.heifConvertPath,
    memoryBytes: config.rawHeicMemoryBytes,
    timeoutMs: config.rawHeicTimeoutSeconds * 1000,
    // Inside the data directory (0700): the tools read a decrypted copy.
    workDir: path.join(config.dataDir, 'media-work'),
  });
  await photos.sweep();
  const media = new MediaService(
    repos,
    items,
    files,
    new VideoTools({
      enabled: config.videoPosters,
      ffmpeg: config.ffmpegPath,
      ffprobe: config.ffprobePath,
      memoryBytes: config.videoMemoryBytes,
    }),
    photos,
    { imageMaxPixels: config.imageMaxPixels, photoMaxBytes: config.rawHeicMaxBytes },
  );
  const jobWorker = new JobWorker(jobQueue, { [MEDIA_JOB]: media }, log);
  const packs = new PackService(repos, files, stores, keys, config.chunkSize, quota);
  const batches = new BatchUploadService(items, files, packs);
  const zips = new ZipService(repos, files);
  const archives = new ArchiveService(files);
  const shares = new ShareService(
    repos,
    items,
    files,
    batches,
    hasher,
    attemptThrottle(),
    masterKey.deriveKey('idrive/share-access/v1'),
    shareTokens,
  );
  const uploads = new UploadService(
    repos,
    files,
    quota,
    staging,
    masterKey.deriveKey('idrive/upload-staging/v1'),
    config.uploadExpiryHours,
    new UploadProgress(bus, (folderId) => placeOf(repos, folderId)),
    redis && new RedisLock(redis, { namespace: 'upload-lock', ...UPLOAD_LOCK, busy: uploadBusy }),
  );
  const copies = new StorageCopiesService(repos, stores, config.scrubPeriodMs);
  const discord = new DiscordService(
    repos,
    stores,
    keys.driveId,
    new SecretBox(masterKey.deriveKey('idrive/discord-tokens/v1')),
    { apiBase: config.discordApiBase, cdnBase: config.discordCdnBase, timeScale: config.discordTimeScale },
    config.chunkSize,
    log,
    bus,
    copies,
    controlTopic(keys.driveId),
    redis,
  );
  if (!overrides.stores) await discord.resume();
  const scrub = new ScrubService(
    repos,
    new CopyReader(repos, files, stores, pool),
    stores,
    {
      periodMs: config.scrubPeriodMs,
      intervalMs: config.jobIntervalSeconds * 1000,
      deepShare: config.scrubDeepShare,
    },
    log,
    () => discord.announceHealth(),
  );
  const journal = config.journal
    ? new JournalWriter(repos, db, discord, masterKey, keys.driveId, log, {
        checkpointRecords: config.checkpointRecords,
        checkpointMs: config.checkpointHours * 3_600_000,
      })
    : null;
  const maintenance = new MaintenanceService(
    repos,
    items,
    files,
    uploads,
    packs,
    versions,
    recent,
    stores,
    config.uploadExpiryHours,
    log,
  );

  const eventSockets = new EventSockets(
    bus,
    auth,
    { closedFolders: (who) => locks.closedFolders(who), sharedRoots: (user) => access.sharedRoots(user) },
    log,
  );
  const socketCaps = new SocketCaps({
    perUser: config.maxSocketsPerUser,
    perAddress: config.maxSocketsPerIp,
  });

  const admin = await users.ensureAdmin(config.adminUsername, config.adminPassword);
  if (admin?.password) {
    // The password on a line of its own, so it can be copied whole from a terminal.
    log.warn(
      `Created the admin account "${config.adminUsername}". Its password, shown only this once ` +
        `(sign in and change it):\n\n    ${admin.password}`,
    );
  }

  const context: RouteContext = {
    config,
    auth,
    appPasswords,
    deviceSignIns,
    users,
    quota,
    settings: new SettingsService(repos),
    items,
    access,
    userShares,
    files,
    versions,
    uploads,
    batches,
    locks,
    media,
    shares,
    tags,
    stars,
    recent,
    search,
    zips,
    zipPlanning: new ZipPlanning({ ...ZIP_PLANNING_LIMITS, ...overrides.zipPlanning }),
    archives,
    downloads: new DownloadService(bus, downloadRegistry),
  };
  registerSerialization(app);
  await app.register(fastifyCookie);
  // Clients only listen on the events socket: whatever they send is small and ignored.
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'I Drive API',
        version: '1',
        description: 'Files and folders, stored encrypted in chunks.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'idrive_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  registerErrorHandling(app);
  registerSecurityHeaders(app);
  registerTrustedHosts(app, {
    trustedHosts: config.trustedHosts,
    publicUrl: config.publicUrl,
    listenHost: config.host,
  });
  registerAuth(app, auth, appPasswords, basicAuthenticator(new GatewayCredentials(appPasswords, repos)));
  registerLockPolicy(app, {
    check: (who, itemId, scope) => locks.check(who, itemId, scope),
    uploadFolder: async (who, uploadId) => (await uploads.get(who.user, uploadId)).parent_id,
    sharedItem: async (who, shareId) => (await shares.get(who.user, shareId)).item_id,
  });

  await app.register(
    async (api) => {
      await api.register(
        healthRoutes({
          database: async () => (await sql`select 1`.execute(db.db), true),
          redis: redis && (() => redis.healthy()),
        }),
      );
      await api.register(authRoutes(context));
      await api.register(deviceSignInRoutes(context));
      await api.register(appPasswordRoutes(context));
      await api.register(
        userRoutes(context, async (uploadIds) => {
          for (const id of uploadIds) await staging.remove(id);
        }),
      );
      await api.register(folderRoutes(context));
      await api.register(itemRoutes(context));
      await api.register(lockRoutes(context));
      await api.register(tagRoutes(context));
      await api.register(searchRoutes(context));
      await api.register(starredRecentRoutes(context));
      await api.register(userShareRoutes(context));
      await api.register(shareRoutes(context));
      await api.register(shareLinkRoutes(context, eventSockets, socketCaps));
      await api.register(trashRoutes(context));
      await api.register(fileRoutes(context));
      await api.register(versionRoutes(context));
      await api.register(archiveRoutes(context));
      await api.register(zipRoutes(context));
      await api.register(downloadRoutes(context));
      await api.register(mediaRoutes(context));
      await api.register(uploadRoutes(context));
      await api.register(adminStorageRoutes(discord, copies, journal));
      await api.register(quotaRoutes(context));
      await api.register(eventRoutes(eventSockets, socketCaps));
      api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: API_PREFIX },
  );
  await app.register(
    davRoutes({ repos, items, files, folderLocks: locks, davLocks: new DavLockService(repos), quota }),
  );
  await app.register(webRoutes(config.webDir));

  // Maintenance has a worker of its own, so it runs beside a backlog of thumbnails, not behind it.
  const intervalMs = config.jobIntervalSeconds * 1000;
  const schedule = new MaintenanceSchedule(repos, jobQueue, MAINTENANCE_JOB, maintenance, intervalMs, log);
  const maintenanceWorker = new JobWorker(jobQueue, { [MAINTENANCE_JOB]: schedule }, log);
  // The scrubber too, so a long run of it holds up neither housekeeping nor thumbnails.
  const scrubSchedule = new MaintenanceSchedule(repos, jobQueue, SCRUB_JOB, scrub, intervalMs, log);
  const scrubWorker = new JobWorker(jobQueue, { [SCRUB_JOB]: scrubSchedule }, log);
  app.addHook('onReady', async () => {
    if (overrides.jobs !== false) {
      schedule.start();
      scrubSchedule.start();
      maintenanceWorker.start();
      scrubWorker.start();
      jobWorker.start();
    }
    if (overrides.journal ?? overrides.jobs !== false) journal?.start();
  });
  app.addHook('onClose', async () => {
    eventSockets.close();
    await recent.flush();
    await journal?.stop();
    discord.close();
    await redisBus?.close();
    await downloadRegistry.close();
    schedule.stop();
    scrubSchedule.stop();
    await maintenanceWorker.stop();
    await scrubWorker.stop();
    await jobWorker.stop();
    await pool.close();
    await redis?.close();
    await db.db.destroy();
  });
  await app.ready();

  return {
    app,
    routes,
    discord,
    context,
    maintenance,
    scrub,
    packs,
    media,
    jobQueue,
    jobWorker,
    journal,
    repos,
    stores,
    redis,
    close: () => app.close(),
  };
}
