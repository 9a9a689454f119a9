import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** The folders matched by `roots` and every folder below them (a subquery of ids). */
export function foldersBelow(roots: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    with recursive below(id) as (
      select id from items where ${roots} and type = 'folder'
      union all
      select items.id from items join below on items.parent_id = below.id where items.type = 'folder'
    )
    select id from below`;
}

/**
 * True for an item of `column`'s table that does not lie inside one of these folders (the folders'
 * own entries stay, as they are listed in their parents): what a session may see while those locked
 * folders are closed to it.
 */
export function outsideFolders(parentColumn: RawBuilder<unknown>, folderIds: string[]): RawBuilder<SqlBool> {
  if (folderIds.length === 0) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${parentColumn} is null or ${parentColumn} not in (${foldersBelow(sql`id in (${sql.join(folderIds)})`)}))`;
}

/**
 * True for an item of `items` that a list of one user's own marks (stars, recent files) shows: one
 * they may see, which today means their own, not in the trash and not inside `closedFolderIds`.
 */
export function listedFor(userId: string, closedFolderIds: string[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`(items.owner_id = ${userId} and items.trashed_at is null and ${outsideFolders(sql.ref('items.parent_id'), closedFolderIds)})`;
}
