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
 * True for an item of `items` the user may see: their own, or one shared with them or inside a
 * folder shared with them (AccessService's rule, as a list filters by it). `shared` says whether
 * anything is shared with them at all; when nothing is, the test is the owner alone, which keeps
 * the owner index usable.
 */
export function visibleTo(
  userId: string,
  shared: boolean,
  col: (name: 'owner_id' | 'id' | 'parent_id') => unknown = (name) => sql.ref(`items.${name}`),
): RawBuilder<SqlBool> {
  const own = sql<SqlBool>`${col('owner_id')} = ${userId}`;
  if (!shared) return own;
  const roots = sql`select item_id from user_shares where grantee_id = ${userId}`;
  return sql<SqlBool>`(${own} or ${col('id')} in (${roots}) or ${col('parent_id')} in (${foldersBelow(sql`id in (${roots})`)}))`;
}

/**
 * True for an item of `items` that a list of one user's own marks (stars, recent files) shows: one
 * they may see (see `visibleTo`), not in the trash and not inside `closedFolderIds`.
 */
export function listedFor(userId: string, shared: boolean, closedFolderIds: string[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${visibleTo(userId, shared)} and items.trashed_at is null and ${outsideFolders(sql.ref('items.parent_id'), closedFolderIds)})`;
}
