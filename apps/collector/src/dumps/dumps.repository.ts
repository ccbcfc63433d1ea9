import type { DumpListQuery, DumpRecord, DumpState } from '@kdumpfleet/contracts';
import type { Selectable } from 'kysely';
import type { CollectorDb } from '../db/database.js';
import type { DumpsTable } from '../db/schema.js';
import { decodeCursor, encodeCursor } from './dump-cursor.js';

export type NewDump = Omit<DumpsTable, 'created_at' | 'updated_at'>;

export function toDumpRecord(row: Selectable<DumpsTable>): DumpRecord {
  return {
    id: row.id,
    uploadId: row.upload_id,
    node: row.node,
    filename: row.filename,
    size: Number(row.size),
    sha256: row.sha256,
    declaredSha256: row.declared_sha256,
    encoding: row.encoding as DumpRecord['encoding'],
    state: row.state as DumpState,
    reason: row.reason,
    storageKey: row.storage_key,
    kernelRelease: row.kernel_release,
    capturedAt: row.captured_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Dump records. Every query is plain SQL both SQLite and PostgreSQL accept. */
export class DumpsRepository {
  constructor(private readonly db: CollectorDb) {}

  async byId(id: string): Promise<DumpRecord | null> {
    const row = await this.db
      .selectFrom('dumps')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDumpRecord(row) : null;
  }

  async byUploadId(uploadId: string): Promise<DumpRecord | null> {
    const row = await this.db
      .selectFrom('dumps')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .executeTakeFirst();
    return row ? toDumpRecord(row) : null;
  }

  /** A good (received) dump already holding these bytes, if any: dedup by content. */
  async receivedBySha256(sha256: string): Promise<DumpRecord | null> {
    const row = await this.db
      .selectFrom('dumps')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('state', '=', 'received')
      .where('storage_key', 'is not', null)
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
    return row ? toDumpRecord(row) : null;
  }

  /**
   * Inserts unless a record for this upload exists (unique upload_id); returns the record that
   * is now in the table, so a retried finish yields the same one.
   */
  async insertOnce(dump: NewDump, now: string): Promise<DumpRecord> {
    await this.db
      .insertInto('dumps')
      .values({ ...dump, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('upload_id').doNothing())
      .execute();
    const stored = await this.byUploadId(dump.upload_id);
    if (!stored) throw new Error(`dump for upload ${dump.upload_id} vanished after insert`);
    return stored;
  }

  async list(q: DumpListQuery): Promise<{ items: DumpRecord[]; nextCursor: string | null }> {
    let query = this.db.selectFrom('dumps').selectAll();
    if (q.state !== 'all') query = query.where('state', '=', q.state);
    if (q.node) query = query.where('node', '=', q.node);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', c.createdAt),
          eb.and([eb('created_at', '=', c.createdAt), eb('id', '<', c.id)]),
        ]),
      );
    } else if (q.page) {
      query = query.offset((q.page - 1) * q.limit);
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const items = rows.slice(0, q.limit).map(toDumpRecord);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ createdAt: last.createdAt, id: last.id })
        : null;
    return { items, nextCursor };
  }

  /** Deletes the record; returns how many records still point at its storage key. */
  async delete(id: string, storageKey: string | null): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('dumps').where('id', '=', id).execute();
      if (storageKey === null) return 0;
      const r = await trx
        .selectFrom('dumps')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('storage_key', '=', storageKey)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    });
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('dumps')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
