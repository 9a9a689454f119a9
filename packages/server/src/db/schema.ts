import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { RecentAction, ShareMode, ShareRole } from '@idrive/shared';

/**
 * Table types. Times are epoch milliseconds and flags are 0/1 integers in both SQLite and PostgreSQL,
 * so rows come back with the same JavaScript types from either database.
 */
export interface UsersTable {
  id: string;
  username: string;
  /** Lower-cased username: logins and uniqueness ignore case. */
  username_key: string;
  password_hash: string;
  perm_upload: number;
  perm_delete: number;
  perm_share: number;
  perm_admin: number;
  disabled: number;
  root_folder_id: string;
  /**
   * Bytes of every file the user keeps, trash included (trash still occupies storage), and of every
   * earlier version in their files' histories: what counts against their quota.
   */
  used_bytes: number;
  /** The most `used_bytes` may reach; null: no limit. */
  quota_bytes: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  /** The user's own version retention (days after replacement, versions per file); null: the drive's. */
  version_keep_days: ColumnType<number | null, number | null | undefined, number | null>;
  version_keep_count: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the bearer token: a leaked database does not leak live sessions. */
  token_hash: string;
  user_id: string;
  kind: 'browser' | 'token';
  name: string;
  user_agent: string | null;
  ip: string | null;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number | null;
}

/** A named secret for Basic-auth gateways and scripts (see AppPasswordService). */
export interface AppPasswordsTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the whole secret, prefix included. */
  secret_hash: string;
  read_only: number;
  created_at: number;
  last_used_at: number | null;
}

/** A device waiting to be signed in by a signed-in one (see DeviceSignInService). */
export interface DevicePairingsTable {
  id: string;
  /** SHA-256 of the pairing code in the QR code's URL. */
  code_hash: string;
  /** SHA-256 of the short code a person may type instead, in its canonical form. */
  short_code_hash: string;
  /** SHA-256 of the secret only the waiting device holds; it alone collects the session. */
  device_secret_hash: string;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  /** Who approved or denied it; null while pending. */
  user_id: string | null;
  /** The waiting device, as it asked. */
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  expires_at: number;
}

export interface ItemsTable {
  id: string;
  owner_id: string;
  /** Null only for a user's root folder. */
  parent_id: string | null;
  type: 'folder' | 'file';
  name: string;
  /** NFC + lower case; unique among the live children of a folder. */
  name_key: string;
  /** A file's bytes, or for a folder the total of the live files below it. */
  size: number;
  mime_type: string | null;
  version_id: string | null;
  created_at: number;
  updated_at: number;
  trashed_at: number | null;
  /** The item the user put in the trash that took this one with it (itself for that item). */
  trash_root_id: string | null;
  /** Where a trashed item was, so restore can put it back. */
  original_parent_id: string | null;
  /** The name folded for search (`foldForSearch`); the item repository derives it from `name`. */
  search_name: ColumnType<string, string | undefined, string | undefined>;
}

export interface FileVersionsTable {
  id: string;
  owner_id: string;
  status: 'uploading' | 'committed';
  size: number;
  sha256: string | null;
  /** The version's data key wrapped by the master key (base64), as its format wraps it. */
  wrapped_key: string;
  /** The storage format its chunks were written in (docs/storage-format.md): 1 before drive ids, else 2. */
  format: number;
  chunk_size: number;
  segment_size: number;
  created_at: number;
  /** CRC-32 of the plaintext, once a zip download has computed it (zip entries need it). */
  crc32: ColumnType<number | null, number | null | undefined, number | null>;
  /** SHA-1 and MD5 of the plaintext (hex), when the upload computed them. */
  sha1: ColumnType<string | null, string | null | undefined, string | null>;
  md5: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The version whose data key and stored chunks these bytes are (a restore shares them rather than
   * storing the bytes again): the id the key is wrapped for and the segments are sealed with. Null:
   * this version's own id.
   */
  sealed_as: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * Who stored it: the owner, or an editor of a folder shared with them. Null for versions stored
   * before items could be shared (their owner) and for thumbnails and previews.
   */
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ChunksTable {
  version_id: string;
  idx: number;
  store: string;
  /** Our name for the chunk, recorded before it is sent, so a crash leaves nothing unaccounted. */
  chunk_key: string;
  /** Where the store keeps it; null until the store has acknowledged it. */
  locator: string | null;
  plain_size: number;
  sealed_size: number;
  /**
   * What the store deletes when it deletes this chunk (a Discord message, which may hold other
   * chunks too; elsewhere the locator itself): an object goes only once no chunk is in it.
   */
  container: ColumnType<string | null, string | null | undefined, string | null>;
  /** The pack holding this chunk, and where in it, when the chunk shares one stored object with others. */
  pack_id: ColumnType<string | null, string | null | undefined, string | null>;
  pack_offset: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One stored object holding the chunks of many small files, each sealed under its own file's key. */
export interface PacksTable {
  /** Also the key it is stored under. */
  id: string;
  store: string;
  size: number;
  created_at: number;
}

export interface GarbageChunksTable {
  id: Generated<number>;
  store: string;
  /** The store's locator, or the chunk key when the chunk was never acknowledged. */
  locator: string;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: number;
}

export interface UploadsTable {
  id: string;
  owner_id: string;
  parent_id: string;
  name: string;
  conflict: 'rename' | 'replace' | 'fail';
  mime_type: string | null;
  /** The upload's length; 0 while `length_deferred`. */
  size: number;
  /** 1 while the client has not given the length yet (tus Upload-Defer-Length): a later PATCH does. */
  length_deferred: ColumnType<number, number | undefined, number>;
  version_id: string;
  created_at: number;
  expires_at: number;
}

export interface DiscordCredentialsTable {
  /** The webhook's or bot's Discord id. */
  id: string;
  kind: 'bot' | 'webhook';
  guild_id: string;
  channel_id: string | null;
  sealed_token: string;
  created_at: number;
  /** Why Discord's refusal took it out of use (null: in use), and since when. */
  quarantine_reason: string | null;
  quarantined_at: number | null;
}

/** A password-locked folder; everything below it is locked too (computed from the tree, not copied). */
export interface FolderLocksTable {
  folder_id: string;
  owner_id: string;
  /** argon2id; the password itself is never stored. */
  password_hash: string;
  created_at: number;
}

/** A locked folder opened for one session until `expires_at`. */
export interface UnlockGrantsTable {
  session_id: string;
  folder_id: string;
  expires_at: number;
}

/** A link that lets anyone holding it see (or, for 'upload', drop files into) one item. */
export interface SharesTable {
  id: string;
  /** SHA-256 of the unguessable part of the link, which is what a visitor's link is found by. */
  token_hash: string;
  /** The link's token sealed under the master key (bound to the id), so its owner can copy it again. */
  token_sealed: string;
  owner_id: string;
  item_id: string;
  mode: ShareMode;
  /** argon2id of the link's password, when it has one. */
  password_hash: string | null;
  expires_at: number | null;
  max_downloads: number | null;
  downloads: ColumnType<number, number | undefined, number>;
  revoked_at: number | null;
  created_at: number;
}

export interface ShareVisitsTable {
  id: Generated<number>;
  share_id: string;
  at: number;
  action: 'open' | 'download' | 'zip' | 'upload';
  item_id: string | null;
  item_name: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** A background job. A finished job is deleted; one given up on is kept with its last error. */
export interface JobsTable {
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  status: 'queued' | 'running' | 'failed';
  /** Attempts started so far, counting the one running. */
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  /** Not before this time (a retry waits out its backoff). */
  run_at: number;
  /** While running: when the lease ends and another worker may take the job over. */
  locked_until: number | null;
  /** A random token per claim, so a worker that lost its lease cannot finish the job. */
  lease: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * A periodic task's run, one row per task and period (the interval's number since the epoch): the
 * first instance to insert it runs the task for that period, the others see the row and skip it.
 */
export interface ScheduledRunsTable {
  task: string;
  period: number;
  started_at: number;
  finished_at: number | null;
  /** JSON: what the run did. */
  report: string | null;
}

/**
 * The staged tail of a resumable upload, in cluster mode: the sealed records that the local staging
 * file holds in embedded mode, one row per record, so any instance can continue the upload.
 */
export interface StagedTailsTable {
  upload_id: string;
  offset: number;
  record: Buffer;
}

/** What a media job learnt about a stored image or video version. */
export interface MediaTable {
  version_id: string;
  kind: 'image' | 'video';
  status: 'pending' | 'ready' | 'failed' | 'skipped';
  /** As displayed, after the orientation is applied. */
  width: number | null;
  height: number | null;
  /** EXIF orientation (1-8). */
  orientation: number | null;
  duration_ms: number | null;
  /** The thumbnail: a small version of its own (own data key), deleted with this one. */
  thumbnail_version_id: string | null;
  /** A full-size upright JPEG (RAW, HEIC), a version of its own like the thumbnail, and its size. */
  preview_version_id: string | null;
  preview_width: number | null;
  preview_height: number | null;
  /** EXIF camera facts as JSON (`CameraInfo`), when read. */
  camera: string | null;
  /** Why there is no thumbnail. */
  error: string | null;
  created_at: number;
  updated_at: number;
}

/** A user's label for files and folders; names are unique per user, ignoring case. */
export interface TagsTable {
  id: string;
  owner_id: string;
  name: string;
  /** NFC + lower case (`nameKey`). */
  name_key: string;
  /** `#rrggbb`. */
  color: string;
  created_at: number;
}

export interface ItemTagsTable {
  item_id: string;
  tag_id: string;
}

/** A version a file held before it was replaced, kept until the retention limits let it go. */
export interface VersionHistoryTable {
  item_id: string;
  version_id: string;
  /** When it stopped being the file's current version. */
  replaced_at: number;
}

/** A WebDAV lock on a path of a user's drive (RFC 4918 class 2). */
export interface DavLocksTable {
  token: string;
  user_id: string;
  /** Folded segments joined by `/`, '' for the root: the same path however a client spells it. */
  path: string;
  /** 1 for Depth: infinity, 0 for the resource alone (integers: SQLite has no booleans). */
  infinite: number;
  /** 1 exclusive, 0 shared. */
  exclusive: number;
  owner_xml: string | null;
  timeout_seconds: number;
  expires_at: number;
  created_at: number;
}

/** A property a WebDAV client stored on an item (PROPPATCH), kept as XML. */
export interface DavPropertiesTable {
  item_id: string;
  namespace: string;
  name: string;
  value: string;
}

/** An item a user starred. */
export interface ItemStarsTable {
  user_id: string;
  item_id: string;
  starred_at: number;
}

/** A file a user opened or changed lately: one row per user and file, with the last time and what happened. */
export interface RecentItemsTable {
  user_id: string;
  item_id: string;
  action: RecentAction;
  at: number;
}

/** An item shared with another user of the drive, and everything inside it. */
export interface UserSharesTable {
  item_id: string;
  grantee_id: string;
  role: ShareRole;
  /** Who shared it; null once that account is deleted. */
  granted_by: string | null;
  granted_at: number;
}

/** The drive itself: one row, made by migration 0020. */
export interface DriveTable {
  /** Format-2 chunks carry it and are bound to it; a chunk of another drive does not read here. */
  id: string;
  /** How many copies of every stored object the drive keeps (1–3; migration 0024). */
  replicas: ColumnType<number, number | undefined, number>;
}

/** What the last check or read found of a copy. */
export type CopyStatus = 'ok' | 'missing' | 'damaged';

/** One copy of the object chunk rows name by (`store`, `locator`); the object itself is one of them. */
export interface ChunkCopiesTable {
  store: string;
  locator: string;
  copy_locator: string;
  /** What deleting this copy deletes (see `chunks.container`). */
  copy_container: string;
  status: ColumnType<CopyStatus, CopyStatus | undefined, CopyStatus>;
  /** When the scrubber last looked for it (cheap or deep); null: never. */
  checked_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** When the scrubber last read and opened it. */
  deep_checked_at: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
}

/** Bytes an uncommitted version holds against its owner's quota until it is committed or discarded. */
export interface QuotaReservationsTable {
  version_id: string;
  /** The owner of the folder the bytes go into, whose quota they count against. */
  owner_id: string;
  bytes: number;
}

/** The drive's settings: one row (id 1). */
export interface SettingsTable {
  id: number;
  /** The quota a new account starts with; null: no limit. */
  default_quota_bytes: number | null;
}

/**
 * A change to a journaled table, written by a trigger in the change's own transaction
 * (db/journal-capture.ts) and kept until the journal on Discord holds it.
 */
export interface JournalOutboxTable {
  /** PostgreSQL only: the row's order within its transaction, before `seq` is given at commit. */
  id: Generated<number>;
  /** The journal's sequence number, in commit order without gaps (on PostgreSQL null until the commit). */
  seq: Generated<number>;
  tbl: string;
  op: 'upsert' | 'delete';
  /** JSON: the key columns of the row. */
  pk: string;
  /** JSON: the whole row after the change; null for a delete. */
  row: string | null;
  at: number;
}

/** PostgreSQL only: the last sequence number given, whose row lock orders commits (migration 0023). */
export interface JournalHeadTable {
  id: number;
  last_seq: number;
}

/** How far the journal and checkpoints on Discord have got: one row. */
export interface JournalStateTable {
  id: number;
  control_channel_id: string | null;
  /** The drive's metadata key, sealed under a key derived from the master key. */
  metadata_key: string | null;
  /** The last sequence number posted to Discord. */
  written_through: number;
  /** The sequence number the latest checkpoint is of, when it was made, and its superblock. */
  checkpoint_through: number | null;
  checkpoint_at: number | null;
  superblock_message_id: string | null;
  /** 1: the next thing to do is a checkpoint (after a restore, or changes that were not journaled). */
  checkpoint_due: number;
  /** The instance writing the journal, and until when its lease holds. */
  writer_token: string | null;
  writer_until: number;
  last_error: string | null;
  last_error_at: number | null;
}

export interface Database {
  drive: DriveTable;
  journal_outbox: JournalOutboxTable;
  journal_head: JournalHeadTable;
  journal_state: JournalStateTable;
  users: UsersTable;
  sessions: SessionsTable;
  app_passwords: AppPasswordsTable;
  device_pairings: DevicePairingsTable;
  items: ItemsTable;
  file_versions: FileVersionsTable;
  chunks: ChunksTable;
  chunk_copies: ChunkCopiesTable;
  garbage_chunks: GarbageChunksTable;
  uploads: UploadsTable;
  discord_credentials: DiscordCredentialsTable;
  packs: PacksTable;
  folder_locks: FolderLocksTable;
  unlock_grants: UnlockGrantsTable;
  jobs: JobsTable;
  scheduled_runs: ScheduledRunsTable;
  staged_tails: StagedTailsTable;
  media: MediaTable;
  shares: SharesTable;
  share_visits: ShareVisitsTable;
  tags: TagsTable;
  item_tags: ItemTagsTable;
  dav_locks: DavLocksTable;
  dav_properties: DavPropertiesTable;
  version_history: VersionHistoryTable;
  item_stars: ItemStarsTable;
  recent_items: RecentItemsTable;
  quota_reservations: QuotaReservationsTable;
  settings: SettingsTable;
  user_shares: UserSharesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AppPasswordRow = Selectable<AppPasswordsTable>;
export type DevicePairingRow = Selectable<DevicePairingsTable>;
export type ItemRow = Selectable<ItemsTable>;
export type NewItemRow = Insertable<ItemsTable>;
export type TagRow = Selectable<TagsTable>;
export type FileVersionRow = Selectable<FileVersionsTable>;
export type ChunkRow = Selectable<ChunksTable>;
export type NewChunkRow = Insertable<ChunksTable>;
export type ChunkCopyRow = Selectable<ChunkCopiesTable>;
export type PackRow = Selectable<PacksTable>;
export type JobRow = Selectable<JobsTable>;
export type MediaRow = Selectable<MediaTable>;
export type ShareRow = Selectable<SharesTable>;
export type ShareVisitRow = Selectable<ShareVisitsTable>;
export type UploadRow = Selectable<UploadsTable>;
export type DavLockRow = Selectable<DavLocksTable>;
export type DavPropertyRow = Selectable<DavPropertiesTable>;
export type DiscordCredentialRow = Selectable<DiscordCredentialsTable>;
export type RecentItemRow = Selectable<RecentItemsTable>;
export type UserShareRow = Selectable<UserSharesTable>;
