import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Tables of migration 0100-analysis, as Kysely sees them (booleans as 0/1 integers). */
export interface AnalysisJobsTable {
  id: string;
  dump_id: string;
  /** `triage` or `deep` */
  step: string;
  /** `queued` | `running` | `done` | `failed` */
  state: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface DumpAnalysisTable {
  dump_id: string;
  state: string;
  reason: string | null;
  kernel_release: string | null;
  build_id: string | null;
  crash_time: string | null;
  kind: string | null;
  title: string | null;
  signature: string | null;
  culprit_symbol: string | null;
  culprit_module: string | null;
  bucket_id: string | null;
  tool: string | null;
  debuginfo_path: string | null;
  debuginfo_via: string | null;
  debuginfo_origin: string | null;
  debuginfo_build_id: string | null;
  triage_started_at: string | null;
  triage_finished_at: string | null;
  triage_ms: number | null;
  triage_attempts: number;
  analysis_started_at: string | null;
  analysis_finished_at: string | null;
  analysis_ms: number | null;
  analysis_attempts: number;
  created_at: string;
  updated_at: string;
}

export interface AnalysisResultsTable {
  dump_id: string;
  name: string;
  storage_key: string;
  size: number;
  content_type: string;
  truncated: number;
  created_at: string;
}

export interface BucketsTable {
  id: string;
  signature: string;
  title: string;
  kind: string;
  culprit_symbol: string | null;
  culprit_module: string | null;
  created_at: string;
  updated_at: string;
}

export type AnalysisTables = {
  analysis_jobs: AnalysisJobsTable;
  dump_analysis: DumpAnalysisTable;
  analysis_results: AnalysisResultsTable;
  buckets: BucketsTable;
};

export type AnalysisDb = Kysely<Database & AnalysisTables>;

/** The collector's database seen with the analysis tables too. */
export function withAnalysisTables(db: Kysely<Database>): AnalysisDb {
  return db.withTables<AnalysisTables>();
}
