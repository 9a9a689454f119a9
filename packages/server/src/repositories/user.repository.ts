import { sql } from 'kysely';
import type { Db, DbDialect, Tx } from '../db/database.js';
import type { NewUserRow, UserRow, UserUpdate } from '../db/schema.js';

export class UserRepository {
  constructor(
    private readonly db: Db | Tx,
    private readonly dialect: DbDialect,
  ) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username_key', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username_key').execute();
  }

  count(): Promise<number> {
    return this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  async insert(row: NewUserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async update(id: string, changes: UserUpdate): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  async addUsedBytes(id: string, delta: number): Promise<void> {
    if (delta === 0) return;
    await this.db
      .updateTable('users')
      .set({ used_bytes: sql`used_bytes + ${delta}` })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  /**
   * Serialises changes to one user's tree. SQLite already runs one writer at a time; on PostgreSQL
   * two concurrent moves (A into B, B into A) could otherwise both pass the cycle check.
   */
  async lockTree(id: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    await this.db.selectFrom('users').select('id').where('id', '=', id).forUpdate().execute();
  }
}
