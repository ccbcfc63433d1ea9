import { randomUUID } from 'node:crypto';
import type { UsersDb } from '../db/users-schema.js';
import { nowIso } from '../secret-token.js';

export interface DownloadAuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  dumpId: string;
  item: string;
  range: string | null;
  status: number;
  bytes: number | null;
  remoteAddress: string | null;
}

/** Who took which dump (or result) when: one row per download answered 200/206. */
export class DownloadAudit {
  constructor(private readonly db: UsersDb) {}

  async record(e: Omit<DownloadAuditEntry, 'id' | 'at'>): Promise<void> {
    await this.db
      .insertInto('download_audit')
      .values({
        id: randomUUID(),
        at: nowIso(),
        actor: e.actor,
        role: e.role,
        dump_id: e.dumpId,
        item: e.item,
        range: e.range,
        status: e.status,
        bytes: e.bytes,
        remote_address: e.remoteAddress,
      })
      .execute();
  }

  async list(opts: { dumpId?: string; limit: number }): Promise<DownloadAuditEntry[]> {
    let q = this.db.selectFrom('download_audit').selectAll();
    if (opts.dumpId) q = q.where('dump_id', '=', opts.dumpId);
    const rows = await q.orderBy('at', 'desc').limit(opts.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      role: r.role,
      dumpId: r.dump_id,
      item: r.item,
      range: r.range,
      status: Number(r.status),
      bytes: r.bytes === null ? null : Number(r.bytes),
      remoteAddress: r.remote_address,
    }));
  }
}
