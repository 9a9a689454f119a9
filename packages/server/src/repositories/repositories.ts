import { ChunkCopyRepository } from './chunk-copy.repository.js';
import type { Db, DbHandle, Tx } from '../db/database.js';
import { AppPasswordRepository } from './app-password.repository.js';
import { DavRepository } from './dav.repository.js';
import { DevicePairingRepository } from './device-pairing.repository.js';
import { DiscordCredentialRepository } from './discord-credential.repository.js';
import { HistoryRepository } from './history.repository.js';
import { DriveRepository } from './drive.repository.js';
import { ItemRepository } from './item.repository.js';
import { JobRepository } from './job.repository.js';
import { JournalRepository } from './journal.repository.js';
import { LockRepository } from './lock.repository.js';
import { MediaRepository } from './media.repository.js';
import { QuotaRepository } from './quota.repository.js';
import { RecentRepository } from './recent.repository.js';
import { ScheduledRunRepository } from './scheduled-run.repository.js';
import { SearchRepository } from './search.repository.js';
import { SessionRepository } from './session.repository.js';
import { SettingsRepository } from './settings.repository.js';
import { ShareRepository } from './share.repository.js';
import { StarRepository } from './star.repository.js';
import { StagedTailRepository } from './staged-tail.repository.js';
import { TagRepository } from './tag.repository.js';
import { UploadRepository } from './upload.repository.js';
import { UserShareRepository } from './user-share.repository.js';
import { UserRepository } from './user.repository.js';
import { VersionRepository } from './version.repository.js';
import { ZipRepository } from './zip.repository.js';

/**
 * Every repository over one connection or transaction. Services take this bundle and open a
 * transaction with `transaction()` when a change spans tables, so the change commits whole or not at all.
 */
export class Repositories {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly appPasswords: AppPasswordRepository;
  readonly devicePairings: DevicePairingRepository;
  readonly items: ItemRepository;
  readonly versions: VersionRepository;
  readonly copies: ChunkCopyRepository;
  readonly history: HistoryRepository;
  readonly uploads: UploadRepository;
  readonly discordCredentials: DiscordCredentialRepository;
  readonly locks: LockRepository;
  readonly jobs: JobRepository;
  readonly scheduledRuns: ScheduledRunRepository;
  readonly stagedTails: StagedTailRepository;
  readonly media: MediaRepository;
  readonly shares: ShareRepository;
  readonly zip: ZipRepository;
  readonly tags: TagRepository;
  readonly search: SearchRepository;
  readonly dav: DavRepository;
  readonly stars: StarRepository;
  readonly recent: RecentRepository;
  readonly userShares: UserShareRepository;
  readonly drive: DriveRepository;
  readonly quotas: QuotaRepository;
  readonly settings: SettingsRepository;
  readonly journal: JournalRepository;

  readonly dialect: DbHandle['dialect'];
  /** What waits for this transaction to commit (see afterCommit). */
  private readonly committed: (() => void)[] = [];

  constructor(
    private readonly handle: Pick<DbHandle, 'dialect' | 'durably'>,
    private readonly db: Db | Tx = (handle as DbHandle).db,
  ) {
    const dialect = handle.dialect;
    this.dialect = dialect;
    this.users = new UserRepository(db, dialect);
    this.sessions = new SessionRepository(db);
    this.appPasswords = new AppPasswordRepository(db);
    this.devicePairings = new DevicePairingRepository(db);
    this.items = new ItemRepository(db);
    this.versions = new VersionRepository(db);
    this.copies = new ChunkCopyRepository(db);
    this.history = new HistoryRepository(db);
    this.uploads = new UploadRepository(db);
    this.discordCredentials = new DiscordCredentialRepository(db);
    this.locks = new LockRepository(db);
    this.jobs = new JobRepository(db, dialect);
    this.scheduledRuns = new ScheduledRunRepository(db);
    this.stagedTails = new StagedTailRepository(db);
    this.media = new MediaRepository(db);
    this.shares = new ShareRepository(db);
    this.tags = new TagRepository(db);
    this.search = new SearchRepository(db, dialect);
    this.zip = new ZipRepository(db);
    this.dav = new DavRepository(db);
    this.stars = new StarRepository(db);
    this.recent = new RecentRepository(db);
    this.userShares = new UserShareRepository(db);
    this.drive = new DriveRepository(db);
    this.quotas = new QuotaRepository(db);
    this.settings = new SettingsRepository(db);
    this.journal = new JournalRepository(db, dialect);
  }

  /**
   * Runs `fn` in a transaction (or in the current one, when already inside a transaction) whose
   * commit is durable. With `durable: false`, bookkeeping nobody is told about (an upload's version
   * started and its bytes reserved) commits as chunk records do: safe from a crash of the process,
   * not from a power cut, and without an fsync of its own on SQLite (see openDatabase).
   */
  async transaction<T>(
    fn: (repos: Repositories) => Promise<T>,
    options: { durable?: boolean } = {},
  ): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    const db = this.db as Db;
    let inner = undefined as Repositories | undefined;
    const run = () => db.transaction().execute((tx) => fn((inner = new Repositories(this.handle, tx))));
    const result = await (options.durable === false ? run() : this.handle.durably(run));
    for (const then of inner?.committed ?? []) then();
    return result;
  }

  /**
   * Runs `then` once the current transaction has committed (at once outside a transaction), so that
   * what announces a change never announces one that was rolled back.
   */
  afterCommit(then: () => void): void {
    if (this.db.isTransaction) this.committed.push(then);
    else then();
  }
}
