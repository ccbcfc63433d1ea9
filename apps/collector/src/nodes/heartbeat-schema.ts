import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** The table of migration 0400-heartbeats as Kysely sees it. */
export interface NodeHeartbeatsTable {
  node: string;
  received_at: string;
  /** `alive` | `undead` as the agent judged it. */
  verdict: string;
  /** When the node's current verdict began (first heartbeat with it after another). */
  since: string;
  /** JSON array of stuck probe names. */
  stuck: string;
  /** The whole kdumpfleet.watch/v1 verdict as received (validated) JSON text. */
  body: string;
}

export type HeartbeatsDb = Kysely<Database & { node_heartbeats: NodeHeartbeatsTable }>;

export function withHeartbeatTable(db: Kysely<Database>): HeartbeatsDb {
  return db.withTables<{ node_heartbeats: NodeHeartbeatsTable }>();
}
