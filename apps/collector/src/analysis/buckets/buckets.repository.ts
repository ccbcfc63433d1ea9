import { randomUUID } from 'node:crypto';
import type { AnalysisState, Bucket, BucketDetail } from '@kdumpfleet/contracts';
import type { AnalysisDb } from '../db/analysis-schema.js';

export interface BucketKey {
  signature: string;
  title: string;
  kind: string;
  culprit: { symbol: string; module: string | null } | null;
}

/**
 * Crash buckets: one per signature (libs/oops: kind + normalized culprit + top reliable frames),
 * so the same bug on other hosts, kernels, boots and KASLR slides lands in one bucket. Only the
 * identity is stored; count, first/last seen, releases and nodes are computed from the dumps
 * that point at the bucket, so deleting or re-triaging a dump can never leave them stale.
 */
export class BucketsRepository {
  constructor(private readonly db: AnalysisDb) {}

  /** The bucket of this signature, created on first sight. */
  async assign(key: BucketKey, now = new Date().toISOString()): Promise<string> {
    await this.db
      .insertInto('buckets')
      .values({
        id: randomUUID(),
        signature: key.signature,
        title: key.title,
        kind: key.kind,
        culprit_symbol: key.culprit?.symbol ?? null,
        culprit_module: key.culprit?.module ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('signature').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('buckets')
      .select('id')
      .where('signature', '=', key.signature)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async list(): Promise<Bucket[]> {
    return this.aggregate(null);
  }

  async byId(id: string): Promise<BucketDetail | null> {
    const [bucket] = await this.aggregate(id);
    if (!bucket) return null;
    const dumps = await this.db
      .selectFrom('dump_analysis')
      .innerJoin('dumps', 'dumps.id', 'dump_analysis.dump_id')
      .select([
        'dumps.id as id',
        'dumps.node as node',
        'dump_analysis.kernel_release as kernelRelease',
        'dump_analysis.crash_time as crashTime',
        'dump_analysis.state as state',
        'dumps.created_at as createdAt',
      ])
      .where('dump_analysis.bucket_id', '=', id)
      .orderBy('dumps.created_at', 'desc')
      .execute();
    return { ...bucket, dumps: dumps.map((d) => ({ ...d, state: d.state as AnalysisState })) };
  }

  private async aggregate(id: string | null): Promise<Bucket[]> {
    let q = this.db
      .selectFrom('buckets')
      .innerJoin('dump_analysis', 'dump_analysis.bucket_id', 'buckets.id')
      .innerJoin('dumps', 'dumps.id', 'dump_analysis.dump_id')
      .select((eb) => [
        'buckets.id as id',
        'buckets.signature as signature',
        'buckets.title as title',
        'buckets.kind as kind',
        'buckets.culprit_symbol as culpritSymbol',
        'buckets.culprit_module as culpritModule',
        eb.fn.countAll<number>().as('count'),
        eb.fn.min(eb.fn.coalesce('dump_analysis.crash_time', 'dumps.created_at')).as('firstSeen'),
        eb.fn.max(eb.fn.coalesce('dump_analysis.crash_time', 'dumps.created_at')).as('lastSeen'),
      ])
      .groupBy([
        'buckets.id',
        'buckets.signature',
        'buckets.title',
        'buckets.kind',
        'buckets.culprit_symbol',
        'buckets.culprit_module',
      ]);
    if (id !== null) q = q.where('buckets.id', '=', id);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const members = await this.db
      .selectFrom('dump_analysis')
      .innerJoin('dumps', 'dumps.id', 'dump_analysis.dump_id')
      .select([
        'dump_analysis.bucket_id as bucketId',
        'dump_analysis.kernel_release as release',
        'dumps.node as node',
      ])
      .where('dump_analysis.bucket_id', 'in', ids)
      .execute();
    const releases = new Map<string, Set<string>>();
    const nodes = new Map<string, Set<string>>();
    for (const m of members) {
      if (!m.bucketId) continue;
      if (m.release)
        (releases.get(m.bucketId) ?? releases.set(m.bucketId, new Set()).get(m.bucketId)!).add(
          m.release,
        );
      (nodes.get(m.bucketId) ?? nodes.set(m.bucketId, new Set()).get(m.bucketId)!).add(m.node);
    }
    return rows
      .map((r) => ({
        id: r.id,
        signature: r.signature,
        title: r.title,
        kind: r.kind as Bucket['kind'],
        culprit: r.culpritSymbol ? { symbol: r.culpritSymbol, module: r.culpritModule } : null,
        count: Number(r.count),
        firstSeen: String(r.firstSeen),
        lastSeen: String(r.lastSeen),
        kernelReleases: [...(releases.get(r.id) ?? [])].sort(),
        nodes: [...(nodes.get(r.id) ?? [])].sort(),
      }))
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || b.count - a.count);
  }
}
