import type { UsersDb } from '../db/users-schema.js';
import type { PortalUser } from '../db/users.repository.js';
import { toPortalUser } from '../db/users.repository.js';
import { newSecret, nowIso, secretDigest } from '../secret-token.js';

export interface SessionLimits {
  /** a session ends this long after sign-in, whatever happens */
  absoluteMs: number;
  /** … or after this long without a request */
  idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  absoluteMs: 12 * 3_600_000,
  idleMs: 2 * 3_600_000,
};

export interface ActiveSession {
  id: string;
  user: PortalUser;
  csrfToken: string;
  expiresAt: string;
}

/**
 * Server-side sessions: the cookie carries a random secret, the database its sha256, the user,
 * the CSRF token and the expiry. Sign-out and user changes take effect at once (no JWTs to wait
 * out). `last_seen_at` is written at most once a minute per session.
 */
export class SessionStore {
  constructor(
    private readonly db: UsersDb,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  async create(userId: string): Promise<{ cookieValue: string; csrfToken: string }> {
    const cookieValue = newSecret();
    const csrfToken = newSecret();
    const now = Date.now();
    await this.db
      .insertInto('user_sessions')
      .values({
        id: secretDigest(cookieValue),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: nowIso(now),
        last_seen_at: nowIso(now),
        expires_at: nowIso(now + this.limits.absoluteMs),
      })
      .execute();
    return { cookieValue, csrfToken };
  }

  /** The live session for a cookie value, with its (enabled) user; null otherwise. */
  async find(cookieValue: string): Promise<ActiveSession | null> {
    const id = secretDigest(cookieValue);
    const row = await this.db
      .selectFrom('user_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select([
        's.id as session_id',
        's.csrf_token',
        's.last_seen_at',
        's.expires_at as session_expires_at',
      ])
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const now = Date.now();
    const lastSeen = Date.parse(row.last_seen_at);
    if (
      Date.parse(row.session_expires_at) <= now ||
      lastSeen + this.limits.idleMs <= now ||
      Number(row.disabled) === 1
    ) {
      await this.db.deleteFrom('user_sessions').where('id', '=', id).execute();
      return null;
    }
    if (now - lastSeen > 60_000) {
      await this.db
        .updateTable('user_sessions')
        .set({ last_seen_at: nowIso(now) })
        .where('id', '=', id)
        .execute();
    }
    return {
      id,
      user: toPortalUser(row),
      csrfToken: row.csrf_token,
      expiresAt: row.session_expires_at,
    };
  }

  async destroy(sessionId: string): Promise<void> {
    await this.db.deleteFrom('user_sessions').where('id', '=', sessionId).execute();
  }

  /** Ends every session of a user (password change, disable, delete, role change). */
  async destroyForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('user_sessions').where('user_id', '=', userId).execute();
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.limits.absoluteMs / 1000);
  }
}
