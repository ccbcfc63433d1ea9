import type { AnalysisResult, AnalysisState, DumpAnalysis } from '@kdumpfleet/contracts';
import type { Selectable, Updateable } from 'kysely';
import type { AnalysisDb, DumpAnalysisTable } from './analysis-schema.js';

export type DumpAnalysisPatch = Omit<Updateable<DumpAnalysisTable>, 'dump_id' | 'created_at'>;

function toContract(row: Selectable<DumpAnalysisTable>, results: AnalysisResult[]): DumpAnalysis {
  return {
    dumpId: row.dump_id,
    state: row.state as AnalysisState,
    reason: row.reason,
    kernelRelease: row.kernel_release,
    buildId: row.build_id,
    crashTime: row.crash_time,
    kind: row.kind as DumpAnalysis['kind'],
    title: row.title,
    signature: row.signature,
    culprit: row.culprit_symbol ? { symbol: row.culprit_symbol, module: row.culprit_module } : null,
    bucketId: row.bucket_id,
    tool: row.tool as DumpAnalysis['tool'],
    debuginfo: row.debuginfo_path
      ? {
          path: row.debuginfo_path,
          via: row.debuginfo_via ?? '',
          origin: row.debuginfo_origin ?? '',
          buildId: row.debuginfo_build_id,
        }
      : null,
    triage: {
      startedAt: row.triage_started_at,
      finishedAt: row.triage_finished_at,
      ms: row.triage_ms,
      attempts: Number(row.triage_attempts),
    },
    analysis: {
      startedAt: row.analysis_started_at,
      finishedAt: row.analysis_finished_at,
      ms: row.analysis_ms,
      attempts: Number(row.analysis_attempts),
    },
    results,
    updatedAt: row.updated_at,
  };
}

/** One row per dump: where its analysis stands, what triage found, timings and reasons. */
export class DumpAnalysisRepository {
  constructor(private readonly db: AnalysisDb) {}

  /** Creates the row in state `received` unless it exists; true when this call created it. */
  async ensure(dumpId: string, now = new Date().toISOString()): Promise<boolean> {
    const r = await this.db
      .insertInto('dump_analysis')
      .values({
        dump_id: dumpId,
        state: 'received',
        reason: null,
        kernel_release: null,
        build_id: null,
        crash_time: null,
        kind: null,
        title: null,
        signature: null,
        culprit_symbol: null,
        culprit_module: null,
        bucket_id: null,
        tool: null,
        debuginfo_path: null,
        debuginfo_via: null,
        debuginfo_origin: null,
        debuginfo_build_id: null,
        triage_started_at: null,
        triage_finished_at: null,
        triage_ms: null,
        triage_attempts: 0,
        analysis_started_at: null,
        analysis_finished_at: null,
        analysis_ms: null,
        analysis_attempts: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('dump_id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async update(dumpId: string, patch: DumpAnalysisPatch): Promise<void> {
    await this.db
      .updateTable('dump_analysis')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('dump_id', '=', dumpId)
      .execute();
  }

  async row(dumpId: string): Promise<Selectable<DumpAnalysisTable> | null> {
    return (
      (await this.db
        .selectFrom('dump_analysis')
        .selectAll()
        .where('dump_id', '=', dumpId)
        .executeTakeFirst()) ?? null
    );
  }

  async byDumpId(dumpId: string, results: AnalysisResult[]): Promise<DumpAnalysis | null> {
    const row = await this.row(dumpId);
    return row ? toContract(row, results) : null;
  }

  /** Verified dumps with no analysis row: enqueued by the startup sweep. */
  async receivedWithoutAnalysis(limit = 1000): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dumps')
      .leftJoin('dump_analysis', 'dump_analysis.dump_id', 'dumps.id')
      .select('dumps.id')
      .where('dumps.state', '=', 'received')
      .where('dump_analysis.dump_id', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Analysis rows whose dump record was deleted: their results are removed by the sweep. */
  async orphans(limit = 100): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dump_analysis')
      .leftJoin('dumps', 'dumps.id', 'dump_analysis.dump_id')
      .select('dump_analysis.dump_id as id')
      .where('dumps.id', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Forgets a deleted dump's analysis: its row and jobs (results go first, see the sweep). */
  async forget(dumpId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('analysis_jobs').where('dump_id', '=', dumpId).execute();
      await trx.deleteFrom('analysis_results').where('dump_id', '=', dumpId).execute();
      await trx.deleteFrom('dump_analysis').where('dump_id', '=', dumpId).execute();
    });
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('dump_analysis')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
