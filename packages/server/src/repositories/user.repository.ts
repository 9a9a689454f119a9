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

  /** The usernames of these users (those that exist). */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('users')
        .select(['id', 'username'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) names.set(row.id, row.username);
    }
    return names;
  }

  /**
   * Active users whose username contains `text` (ignoring case), those it starts with first: whom a
   * user may share with. `text` is matched literally.
   */
  lookup(text: string, exceptId: string, limit: number): Promise<Pick<UserRow, 'id' | 'username'>[]> {
    const key = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('disabled', '=', 0)
      .where('id', '!=', exceptId)
      .where(sql<boolean>`username_key like ${`%${key}%`} escape '\\'`)
      .orderBy(sql`case when username_key like ${`${key}%`} escape '\\' then 0 else 1 end`)
      .orderBy('username_key')
      .limit(limit)
      .execute();
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
