import { randomUUID } from 'node:crypto';
import { hashPassword } from '../passwords/password-hash.js';
import type { UserRole } from '../roles/roles.js';
import { nowIso } from '../secret-token.js';
import type { UsersDb, UsersTable } from './users-schema.js';

export interface PortalUser {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export class UserExistsError extends Error {
  readonly code = 'USER_EXISTS';
  readonly field = 'username';
  constructor(username: string) {
    super(`a user named ${username} already exists`);
    this.name = 'UserExistsError';
  }
}

export function toPortalUser(row: UsersTable): PortalUser {
  return {
    id: row.id,
    username: row.username,
    role: row.role as UserRole,
    disabled: Number(row.disabled) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class UsersRepository {
  constructor(private readonly db: UsersDb) {}

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(): Promise<PortalUser[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toPortalUser);
  }

  async byUsername(username: string): Promise<UsersTable | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  async byId(id: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async create(username: string, password: string, role: UserRole): Promise<PortalUser> {
    const name = username.toLowerCase();
    if (await this.byUsername(name)) throw new UserExistsError(name);
    const now = nowIso();
    const row: UsersTable = {
      id: randomUUID(),
      username: name,
      password_hash: await hashPassword(password),
      role,
      disabled: 0,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('users').values(row).execute();
    return toPortalUser(row);
  }

  async update(
    id: string,
    change: { role?: UserRole; password?: string; disabled?: boolean },
  ): Promise<PortalUser | null> {
    const set: Partial<UsersTable> = { updated_at: nowIso() };
    if (change.role) set.role = change.role;
    if (change.password !== undefined) set.password_hash = await hashPassword(change.password);
    if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
    const row = await this.byId(id);
    return row ? toPortalUser(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Admins that can still sign in: the last one may not be demoted, disabled or deleted. */
  async activeAdmins(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
