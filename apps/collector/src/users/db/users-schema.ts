import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Tables of migration 0300-users, as Kysely sees them (booleans as 0/1 integers). */
export interface UsersTable {
  id: string;
  username: string;
  /** `scrypt$N$r$p$salt$hash`, see passwords/password-hash.ts */
  password_hash: string;
  role: string;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface UserSessionsTable {
  /** sha256 hex of the cookie value: a stolen database holds no usable session */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface EnrollmentTokensTable {
  id: string;
  token_hash: string;
  label: string;
  max_uses: number;
  uses: number;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface NodeTokensTable {
  id: string;
  node: string;
  token_hash: string;
  enrollment_token_id: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface DownloadAuditTable {
  id: string;
  at: string;
  /** `user:<name>`, `token:admin`, `node:<node>` */
  actor: string;
  role: string;
  dump_id: string;
  /** `file` or a result name (`crash-bt.txt`) */
  item: string;
  range: string | null;
  status: number;
  bytes: number | null;
  remote_address: string | null;
}

export interface DumpTicketsTable {
  dump_id: string;
  ticket: string;
  set_by: string;
  set_at: string;
}

export type UsersTables = {
  users: UsersTable;
  user_sessions: UserSessionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  node_tokens: NodeTokensTable;
  download_audit: DownloadAuditTable;
  dump_tickets: DumpTicketsTable;
};

export type UsersDb = Kysely<Database & UsersTables>;

export function withUsersTables(db: Kysely<Database>): UsersDb {
  return db.withTables<UsersTables>();
}
