import { fileKindRules, type FileKind } from '@idrive/shared';
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Db, DbDialect, Tx } from '../db/database.js';
import type { Database, ItemRow } from '../db/schema.js';
import { foldersBelow, visibleTo } from './tree-sql.js';

/** What a search looks for. Texts are folded for search already (`foldForSearch`). */
export interface SearchFilters {
  /** Whose search it is: their own items, and those shared with them when `shared` says there are any. */
  userId: string;
  shared: boolean;
  /** A part of the folded name. */
  text?: string;
  type?: 'file' | 'folder';
  kinds?: FileKind[];
  /** Folded, without the dot. */
  extensions?: string[];
  minSize?: number;
  maxSize?: number;
  modifiedFrom?: number;
  modifiedBefore?: number;
  /** Items carrying all of these. */
  tagIds?: string[];
  /** Only below this folder. */
  withinFolderId?: string;
  /** Folders whose contents (everything below them) are left out; the folders themselves are not. */
  excludedFolderIds: string[];
}

export interface SearchOrder {
  sort: 'name' | 'size' | 'updated';
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** Trigrams need three characters; shorter texts are matched by scanning the user's items. */
const TRIGRAM = 3;

/** Name search over the item tree: the live items one user may see, filtered, sorted and paged. */
export class SearchRepository {
  constructor(
    private readonly db: Db | Tx,
    private readonly dialect: DbDialect,
  ) {}

  /**
   * The page of matches and how many there are in all, from one pass over the matches: they are
   * gathered once (with their sort keys), counted, sorted, and only the page's rows are read whole.
   * Public so that tests can check the query plan.
   */
  pageQuery(f: SearchFilters, o: SearchOrder): RawBuilder<ItemRow & { total: number }> {
    // SQLite finds a row fastest by its rowid; PostgreSQL by the primary key.
    const key = this.dialect === 'sqlite' ? sql`items.rowid` : sql`items.id`;
    const hits = this.db
      .selectFrom('items')
      .select([sql<string>`${key}`.as('hit'), 'items.id', 'items.name_key', 'items.size', 'items.updated_at'])
      .where((eb) => eb.and(this.conditions(eb, f)));
    const dir = sql.raw(o.order === 'desc' ? 'desc' : 'asc');
    const orderOf = (table: string) => {
      const column = (name: string) => sql.ref(`${table}.${name}`);
      const first = o.sort === 'size' ? [column('size')] : o.sort === 'updated' ? [column('updated_at')] : [];
      return sql.join([...[...first, column('name_key')].map((c) => sql`${c} ${dir}`), column('id')]);
    };
    return sql<ItemRow & { total: number }>`
      with hits as materialized ${hits}
      select counted.total, items.*
      from (select count(*) as total from hits) counted
      left join (
        select * from hits order by ${orderOf('hits')} limit ${o.limit} offset ${o.offset}
      ) page on 1 = 1
      left join items on ${key} = page.hit
      order by ${orderOf('page')}`;
  }

  async find(f: SearchFilters, o: SearchOrder): Promise<{ rows: ItemRow[]; total: number }> {
    const { rows } = await this.pageQuery(f, o).execute(this.db);
    // With no row on the page, the one row left holds only the count.
    const items = rows.filter((r) => r.id !== null).map(({ total: _total, ...item }) => item);
    return { rows: items, total: Number(rows[0]?.total ?? 0) };
  }

  /** For each folder, the chain of folders from the root down to it (itself included). */
  async folderPaths(folderIds: string[]): Promise<Map<string, Array<{ id: string; name: string }>>> {
    if (folderIds.length === 0) return new Map();
    const paths = new Map<string, Array<{ id: string; name: string; depth: number }>>();
    const { rows } = await sql<{ start_id: string; id: string; name: string; depth: number }>`
      with recursive chain(start_id, id, parent_id, name, depth) as (
        select id, id, parent_id, name, 0 from items
        where id in (${sql.join(folderIds)})
        union all
        select chain.start_id, items.id, items.parent_id, items.name, chain.depth + 1
        from items join chain on items.id = chain.parent_id
      )
      select start_id, id, name, depth from chain`.execute(this.db);
    for (const r of rows)
      paths.set(r.start_id, [...(paths.get(r.start_id) ?? []), { ...r, depth: Number(r.depth) }]);
    return new Map(
      [...paths].map(([start, chain]) => [
        start,
        chain.sort((a, b) => b.depth - a.depth).map(({ id, name }) => ({ id, name })),
      ]),
    );
  }

  private conditions(eb: ExpressionBuilder<Database, 'items'>, f: SearchFilters): Expression<SqlBool>[] {
    // A trigram match must be where SQLite starts: without statistics its planner would rather take
    // the owner index and check every one of the owner's items against the match (200 ms instead of
    // 20 on a million files). A unary + keeps a column off indexes.
    const matchFirst = this.dialect === 'sqlite' && f.text !== undefined && [...f.text].length >= TRIGRAM;
    const col = (name: 'owner_id' | 'parent_id' | 'id') =>
      matchFirst ? sql`+items.${sql.ref(name)}` : sql.ref(`items.${name}`);
    const all: Expression<SqlBool>[] = [
      visibleTo(f.userId, f.shared, col),
      eb('items.trashed_at', 'is', null),
      // The root folder is where a search starts, never a result.
      sql<SqlBool>`${col('parent_id')} is not null`,
    ];
    if (f.text) all.push(this.nameContains(f.text));
    const filesOnly = (f.kinds?.length ?? 0) > 0 || (f.extensions?.length ?? 0) > 0;
    const type = filesOnly ? 'file' : f.type;
    if (type) all.push(eb('items.type', '=', type));
    if (f.kinds?.length) all.push(eb.or(f.kinds.map((k) => this.isKind(k))));
    if (f.extensions?.length) {
      all.push(
        eb.or(
          f.extensions.map((e) => sql<SqlBool>`items.search_name like ${`%.${likeEscape(e)}`} escape '\\'`),
        ),
      );
    }
    if (f.minSize !== undefined) all.push(eb('items.size', '>=', f.minSize));
    if (f.maxSize !== undefined) all.push(eb('items.size', '<=', f.maxSize));
    if (f.modifiedFrom !== undefined) all.push(eb('items.updated_at', '>=', f.modifiedFrom));
    if (f.modifiedBefore !== undefined) all.push(eb('items.updated_at', '<', f.modifiedBefore));
    for (const tagId of f.tagIds ?? []) {
      all.push(sql<SqlBool>`${col('id')} in (select item_id from item_tags where tag_id = ${tagId})`);
    }
    if (f.withinFolderId) {
      all.push(sql<SqlBool>`${col('parent_id')} in (${foldersBelow(sql`id = ${f.withinFolderId}`)})`);
    }
    if (f.excludedFolderIds.length > 0) {
      const roots = sql`id in (${sql.join(f.excludedFolderIds)})`;
      all.push(sql<SqlBool>`${col('parent_id')} not in (${foldersBelow(roots)})`);
    }
    return all;
  }

  private nameContains(text: string): RawBuilder<SqlBool> {
    if (this.dialect === 'postgres') {
      // pg_trgm's GIN index serves LIKE directly (and falls back to a scan under three characters).
      return sql<SqlBool>`items.search_name like ${`%${likeEscape(text)}%`} escape '\\'`;
    }
    if ([...text].length < TRIGRAM) return sql<SqlBool>`instr(items.search_name, ${text}) > 0`;
    // A quoted FTS5 string is a phrase: with the trigram tokenizer, exactly a substring match.
    const phrase = `"${text.replaceAll('"', '""')}"`;
    return sql<SqlBool>`items.rowid in (select rowid from items_search where items_search match ${phrase})`;
  }

  /** A kind is a set of MIME types; `other` is a file of none of the kinds (or of no type at all). */
  private isKind(kind: FileKind): RawBuilder<SqlBool> {
    if (kind === 'other') {
      const known = (Object.keys(fileKindRules) as Array<Exclude<FileKind, 'other'>>).map((k) =>
        this.isKind(k),
      );
      return sql<SqlBool>`not (${sql.join(known, sql` or `)})`;
    }
    const essence =
      this.dialect === 'postgres'
        ? sql`lower(trim(split_part(coalesce(items.mime_type, ''), ';', 1)))`
        : sql`lower(trim(substr(coalesce(items.mime_type, ''), 1, instr(coalesce(items.mime_type, '') || ';', ';') - 1)))`;
    const rule = fileKindRules[kind];
    const tests = [
      ...(rule.types.length > 0 ? [sql`${essence} in (${sql.join(rule.types)})`] : []),
      ...rule.prefixes.map((p) => sql`${essence} like ${`${p}%`}`),
    ];
    return sql<SqlBool>`(${sql.join(tests, sql` or `)})`;
  }
}

/** Escapes LIKE's wildcards (and the escape character itself) for `escape '\'`. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
