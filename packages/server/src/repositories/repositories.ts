import type { Db, DbHandle, Tx } from '../db/database.js';
import { DiscordCredentialRepository } from './discord-credential.repository.js';
import { ItemRepository } from './item.repository.js';
import { LockRepository } from './lock.repository.js';
import { SessionRepository } from './session.repository.js';
import { ShareRepository } from './share.repository.js';
import { UploadRepository } from './upload.repository.js';
import { UserRepository } from './user.repository.js';
import { VersionRepository } from './version.repository.js';

/**
 * Every repository over one connection or transaction. Services take this bundle and open a
 * transaction with `transaction()` when a change spans tables, so the change commits whole or not at all.
 */
export class Repositories {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly items: ItemRepository;
  readonly versions: VersionRepository;
  readonly uploads: UploadRepository;
  readonly discordCredentials: DiscordCredentialRepository;
  readonly locks: LockRepository;
  readonly shares: ShareRepository;

  readonly dialect: DbHandle['dialect'];

  constructor(
    private readonly handle: Pick<DbHandle, 'dialect' | 'durably'>,
    private readonly db: Db | Tx = (handle as DbHandle).db,
  ) {
    const dialect = handle.dialect;
    this.dialect = dialect;
    this.users = new UserRepository(db, dialect);
    this.sessions = new SessionRepository(db);
    this.items = new ItemRepository(db);
    this.versions = new VersionRepository(db);
    this.uploads = new UploadRepository(db);
    this.discordCredentials = new DiscordCredentialRepository(db);
    this.locks = new LockRepository(db);
    this.shares = new ShareRepository(db);
  }

  /**
   * Runs `fn` in a transaction (or in the current one, when already inside a transaction) whose
   * commit is durable.
   */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    const db = this.db as Db;
    return this.handle.durably(() => db.transaction().execute((tx) => fn(new Repositories(this.handle, tx))));
  }
}
