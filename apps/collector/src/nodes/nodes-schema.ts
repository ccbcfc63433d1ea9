import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Tables of migration 0200-nodes as Kysely sees them (booleans as 0/1 integers). */
export interface NodeReportsTable {
  id: string;
  node: string;
  received_at: string;
  snapshot_at: string;
  ready: number;
  verdict: string;
  findings_count: number;
  errors_count: number;
  warnings_count: number;
  kernel_release: string | null;
  /** The whole kdumpfleet.readiness/v1 report as received (validated) JSON text. */
  report: string;
}

export interface NodeDrillsTable {
  id: string;
  node: string;
  scenario: string;
  /** `pending` | `passed` | `failed` */
  state: string;
  created_at: string;
  deadline_at: string;
  dump_id: string | null;
  finished_at: string | null;
}

export type NodeTables = { node_reports: NodeReportsTable; node_drills: NodeDrillsTable };
export type NodesDb = Kysely<Database & NodeTables>;

export function withNodeTables(db: Kysely<Database>): NodesDb {
  return db.withTables<NodeTables>();
}
