import { randomBytes, randomUUID } from 'node:crypto';
import { usernameSkeleton, type CreateUserBody, type Permission, type UpdateUserBody } from '@idrive/shared';
import type { UserRow } from '../db/schema.js';
import { AppError, notFound } from '../lib/app-error.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { Repositories } from '../repositories/repositories.js';

const PERMISSION_COLUMNS = {
  upload: 'perm_upload',
  delete: 'perm_delete',
  share: 'perm_share',
  admin: 'perm_admin',
} as const satisfies Record<Permission, keyof UserRow>;

export function permissionsOf(user: UserRow): Permission[] {
  return (Object.keys(PERMISSION_COLUMNS) as Permission[]).filter((p) => user[PERMISSION_COLUMNS[p]] === 1);
}

export function hasPermission(user: UserRow, permission: Permission): boolean {
  return user[PERMISSION_COLUMNS[permission]] === 1;
}

function permissionColumns(permissions: readonly Permission[]) {
  const has = (p: Permission) => (permissions.includes(p) ? 1 : 0);
  return {
    perm_upload: has('upload'),
    perm_delete: has('delete'),
    perm_share: has('share'),
    perm_admin: has('admin'),
  };
}

export interface RemovedUser {
  /** Resumable uploads whose staged tails should be cleared from disk. */
  uploadIds: string[];
}

/** Accounts: the first admin, and what admins do to users. */
export class UserService {
  constructor(
    private readonly repos: Repositories,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Creates the admin on first start. Returns the generated password when none was configured,
   * so the caller can print it once; returns null when users already exist.
   */
  async ensureAdmin(
    username: string,
    password: string | undefined,
  ): Promise<{ password: string | null } | null> {
    if ((await this.repos.users.count()) > 0) return null;
    const chosen = password ?? randomBytes(12).toString('base64url');
    try {
      await this.create({ username, password: chosen, permissions: ['upload', 'delete', 'share', 'admin'] });
    } catch (err) {
      // Instances of a cluster start together: another one made the first account meanwhile (its
      // password is the one it printed), and this one starts as any later instance would.
      if ((await this.repos.users.count()) > 0) return null;
      throw err;
    }
    return { password: password ? null : chosen };
  }

  async create(body: CreateUserBody): Promise<UserRow> {
    const password_hash = await this.hasher.hash(body.password);
    return this.repos.transaction(async (r) => {
      if (await r.users.findByUsername(body.username)) {
        throw new AppError(409, 'conflict', `The username "${body.username}" is taken`);
      }
      // A name drawn like an existing one (Cyrillic "аdmin" beside "admin") would let its owner pass
      // for that user in share dialogs and user lists. Users are few, so all are compared.
      const skeleton = usernameSkeleton(body.username);
      const lookAlike = (await r.users.list()).find((u) => usernameSkeleton(u.username) === skeleton);
      if (lookAlike) {
        throw new AppError(
          409,
          'conflict',
          `The username "${body.username}" looks like the existing username "${lookAlike.username}"; choose another`,
        );
      }
      const now = Date.now();
      // Left out, the drive's default for new accounts; accounts made before keep theirs.
      const quota =
        body.quotaBytes !== undefined ? body.quotaBytes : (await r.settings.get()).default_quota_bytes;
      const user: UserRow = {
        id: randomUUID(),
        username: body.username,
        username_key: body.username.toLowerCase(),
        password_hash,
        ...permissionColumns(body.permissions),
        disabled: 0,
        root_folder_id: randomUUID(),
        used_bytes: 0,
        quota_bytes: quota,
        created_at: now,
        version_keep_days: null,
        version_keep_count: null,
      };
      await r.users.insert(user);
      await r.items.insert({
        id: user.root_folder_id,
        owner_id: user.id,
        parent_id: null,
        type: 'folder',
        name: '',
        name_key: '',
        size: 0,
        mime_type: null,
        version_id: null,
        created_at: now,
        updated_at: now,
        trashed_at: null,
        trash_root_id: null,
        original_parent_id: null,
      });
      return user;
    });
  }

  list(): Promise<UserRow[]> {
    return this.repos.users.list();
  }

  async get(id: string): Promise<UserRow> {
    const user = await this.repos.users.findById(id);
    if (!user) throw notFound('User');
    return user;
  }

  /** Admin changes to a user. An admin cannot lock themselves out (disable or drop their own admin). */
  async update(actor: UserRow, id: string, body: UpdateUserBody): Promise<UserRow> {
    const user = await this.get(id);
    if (
      user.id === actor.id &&
      (body.disabled === true || (body.permissions && !body.permissions.includes('admin')))
    ) {
      throw new AppError(409, 'conflict', 'You cannot disable yourself or remove your own admin permission');
    }
    const password_hash = body.password ? await this.hasher.hash(body.password) : undefined;
    await this.repos.transaction(async (r) => {
      await r.users.update(id, {
        ...(body.disabled !== undefined ? { disabled: body.disabled ? 1 : 0 } : {}),
        ...(body.permissions ? permissionColumns(body.permissions) : {}),
        ...(password_hash ? { password_hash } : {}),
        // A quota below what is used refuses new writes; nothing stored is taken away.
        ...(body.quotaBytes !== undefined ? { quota_bytes: body.quotaBytes } : {}),
      });
      // A disabled account or a reset password ends every session the user had.
      if (body.disabled || password_hash) await r.sessions.deleteAllForUser(id);
    });
    return this.get(id);
  }

  /** Deletes the user, their sessions and files; the files' chunks are queued for deletion from the stores. */
  async remove(actor: UserRow, id: string): Promise<RemovedUser> {
    if (actor.id === id) throw new AppError(409, 'conflict', 'You cannot delete your own account');
    await this.get(id);
    return this.repos.transaction(async (r) => {
      const uploadIds = await r.uploads.idsForOwner(id);
      const versionIds = await r.versions.idsForOwner(id);
      await r.uploads.deleteForOwner(id);
      await r.items.deleteForOwner(id);
      await r.versions.deleteVersions(versionIds, Date.now());
      await r.users.delete(id);
      return { uploadIds };
    });
  }
}
