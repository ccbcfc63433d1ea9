import { randomUUID } from 'node:crypto';
import type { UsersDb, NodeTokensTable } from '../db/users-schema.js';
import { newSecret, nowIso, secretDigest } from '../secret-token.js';

export const ENROLLMENT_PREFIX = 'kdfe_';
export const NODE_TOKEN_PREFIX = 'kdfn_';

export interface EnrollmentTokenInfo {
  id: string;
  label: string;
  maxUses: number;
  uses: number;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** usable now: not revoked, not expired, uses left */
  usable: boolean;
}

export interface NodeTokenInfo {
  id: string;
  node: string;
  enrollmentTokenId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export class EnrollmentError extends Error {
  readonly code = 'ENROLLMENT_REFUSED';
  readonly field = 'token';
  constructor(message: string) {
    super(message);
    this.name = 'EnrollmentError';
  }
}

function nodeTokenInfo(r: NodeTokensTable): NodeTokenInfo {
  return {
    id: r.id,
    node: r.node,
    enrollmentTokenId: r.enrollment_token_id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

/**
 * Node enrollment: an admin creates an enrollment token (shown once; `maxUses` hosts may use it
 * before `expiresAt`); `kdumpfleet enroll` trades it for a per-node upload token, also shown once.
 * Only sha256 digests are stored; revoking either is one UPDATE and takes effect on the next
 * request.
 */
export class NodeEnrollment {
  constructor(private readonly db: UsersDb) {}

  async createEnrollmentToken(opts: {
    label: string;
    maxUses: number;
    ttlMs: number;
    createdBy: string;
  }): Promise<{ token: string; info: EnrollmentTokenInfo }> {
    const token = newSecret(ENROLLMENT_PREFIX);
    const now = Date.now();
    const row = {
      id: randomUUID(),
      token_hash: secretDigest(token),
      label: opts.label,
      max_uses: opts.maxUses,
      uses: 0,
      created_by: opts.createdBy,
      created_at: nowIso(now),
      expires_at: nowIso(now + opts.ttlMs),
      revoked_at: null,
    };
    await this.db.insertInto('enrollment_tokens').values(row).execute();
    return { token, info: (await this.listEnrollmentTokens()).find((t) => t.id === row.id)! };
  }

  async listEnrollmentTokens(): Promise<EnrollmentTokenInfo[]> {
    const rows = await this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    const now = Date.now();
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      maxUses: Number(r.max_uses),
      uses: Number(r.uses),
      createdBy: r.created_by,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      usable: r.revoked_at === null && Date.parse(r.expires_at) > now && r.uses < r.max_uses,
    }));
  }

  async revokeEnrollmentToken(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('enrollment_tokens')
      .set({ revoked_at: nowIso() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Trades an enrollment token for a node token. The use is counted by one conditional UPDATE,
   * so two hosts racing for the last use cannot both win.
   */
  async enroll(enrollmentToken: string, node: string): Promise<{ token: string; id: string }> {
    const hash = secretDigest(enrollmentToken);
    const now = nowIso();
    const row = await this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) throw new EnrollmentError('unknown enrollment token');
    if (row.revoked_at !== null) throw new EnrollmentError('enrollment token was revoked');
    if (row.expires_at <= now) throw new EnrollmentError('enrollment token has expired');
    const claimed = await this.db
      .updateTable('enrollment_tokens')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('id', '=', row.id)
      .where('uses', '<', row.max_uses)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0)
      throw new EnrollmentError('enrollment token has no uses left');
    const token = newSecret(NODE_TOKEN_PREFIX);
    const id = randomUUID();
    await this.db
      .insertInto('node_tokens')
      .values({
        id,
        node,
        token_hash: secretDigest(token),
        enrollment_token_id: row.id,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    return { token, id };
  }

  async listNodeTokens(): Promise<NodeTokenInfo[]> {
    const rows = await this.db
      .selectFrom('node_tokens')
      .selectAll()
      .orderBy('node')
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(nodeTokenInfo);
  }

  async revokeNodeToken(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('node_tokens')
      .set({ revoked_at: nowIso() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The live node token a bearer value stands for (and marks it used), or null. */
  async nodeTokenFor(bearer: string): Promise<NodeTokenInfo | null> {
    if (!bearer.startsWith(NODE_TOKEN_PREFIX)) return null;
    const row = await this.db
      .selectFrom('node_tokens')
      .selectAll()
      .where('token_hash', '=', secretDigest(bearer))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - Date.parse(row.last_used_at) > 60_000) {
      await this.db
        .updateTable('node_tokens')
        .set({ last_used_at: nowIso(now) })
        .where('id', '=', row.id)
        .execute();
    }
    return nodeTokenInfo(row);
  }
}
