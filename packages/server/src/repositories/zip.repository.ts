import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';

/** A live item below (or at) a zip's roots, with what a zip entry needs. */
export interface ZipTreeRow {
  id: string;
  parent_id: string | null;
  type: 'folder' | 'file';
  name: string;
  name_key: string;
  updated_at: number;
  version_id: string | null;
  /** The stored version's size (what is read), 0 for folders. */
  size: number;
  crc32: number | null;
}

/** The queries zip downloads need: whole live subtrees at once, and the CRC-32s they learn. */
export class ZipRepository {
  constructor(private readonly db: Db | Tx) {}

  /**
   * The owner's live roots and every live item below them, in one recursive query (each item once,
   * even when one root lies below another). A trashed item ends the descent, so nothing below it
   * comes back either.
   */
  async liveSubtrees(ownerId: string, rootIds: string[]): Promise<ZipTreeRow[]> {
    if (rootIds.length === 0) return [];
    const rows = await sql<ZipTreeRow>`
      with recursive sub(id) as (
        select id from items
        where id in (${sql.join(rootIds)}) and owner_id = ${ownerId} and trashed_at is null
        union
        select items.id from items join sub on items.parent_id = sub.id where items.trashed_at is null
      )
      select items.id, items.parent_id, items.type, items.name, items.name_key, items.updated_at,
             items.version_id, coalesce(file_versions.size, 0) as size, file_versions.crc32
      from sub
      join items on items.id = sub.id
      left join file_versions on file_versions.id = items.version_id`.execute(this.db);
    return rows.rows.map((r) => ({
      ...r,
      updated_at: Number(r.updated_at),
      size: Number(r.size),
      crc32: r.crc32 === null ? null : Number(r.crc32),
    }));
  }

  /** Records CRC-32s of versions (those already known are left as they are). */
  async setCrc32s(crcs: ReadonlyMap<string, number>): Promise<void> {
    const all = [...crcs];
    for (let i = 0; i < all.length; i += 200) {
      const batch = all.slice(i, i + 200);
      const cases = sql.join(
        batch.map(([id, crc]) => sql`when ${id} then cast(${crc} as bigint)`),
        sql` `,
      );
      await sql`
        update file_versions set crc32 = case id ${cases} end
        where id in (${sql.join(batch.map(([id]) => id))}) and crc32 is null`.execute(this.db);
    }
  }
}
