import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../database.js';

/** The first schema: users, sessions, the item tree, file versions and their chunks, uploads. */
export function initial(dialect: DbDialect): Migration {
  // PostgreSQL would otherwise compare and sort name keys by the database's locale; "C" gives the
  // same byte order as SQLite, so listings page identically on both.
  const byteOrder = dialect === 'postgres' ? sql`collate "C"` : sql``;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('perm_upload', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('perm_delete', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('perm_share', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('perm_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('root_folder_id', 'text', (c) => c.notNull())
        .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text')
        .addColumn('ip', 'text')
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('file_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('chunk_size', 'integer', (c) => c.notNull())
        .addColumn('segment_size', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('chunks')
        .addColumn('version_id', 'text', (c) =>
          c.notNull().references('file_versions.id').onDelete('cascade'),
        )
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('chunk_key', 'text', (c) => c.notNull())
        .addColumn('locator', 'text')
        .addColumn('plain_size', 'integer', (c) => c.notNull())
        .addColumn('sealed_size', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('chunks_pk', ['version_id', 'idx'])
        .execute();

      await db.schema
        .createTable('garbage_chunks')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('locator', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('parent_id', 'text', (c) => c.references('items.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().modifyEnd(byteOrder))
        .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('mime_type', 'text')
        .addColumn('version_id', 'text', (c) => c.references('file_versions.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('trashed_at', 'bigint')
        .addColumn('trash_root_id', 'text')
        .addColumn('original_parent_id', 'text')
        .execute();
      // One live name per folder; trashed items keep their names without blocking new ones.
      await db.schema
        .createIndex('items_live_name')
        .on('items')
        .columns(['parent_id', 'name_key'])
        .unique()
        .where(sql.ref('trashed_at'), 'is', null)
        .execute();
      // Listing: a folder's live children in the default order (folders first, then by name), so a
      // page of a 50,000-entry folder is an index range scan rather than a sort.
      await sql`create index items_listing on items (parent_id, type desc, name_key, id) where trashed_at is null`.execute(
        db,
      );
      await sql`create index items_listing_size on items (parent_id, type desc, size, name_key) where trashed_at is null`.execute(
        db,
      );
      await sql`create index items_listing_updated on items (parent_id, type desc, updated_at, name_key) where trashed_at is null`.execute(
        db,
      );
      await db.schema.createIndex('items_trash').on('items').columns(['owner_id', 'trash_root_id']).execute();
      await db.schema.createIndex('items_version').on('items').column('version_id').execute();

      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('parent_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('conflict', 'text', (c) => c.notNull())
        .addColumn('mime_type', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull().references('file_versions.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
