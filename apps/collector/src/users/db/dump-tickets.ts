import type { UsersDb } from './users-schema.js';
import { nowIso } from '../secret-token.js';

export interface DumpTicket {
  dumpId: string;
  ticket: string;
  setBy: string;
  setAt: string;
}

/** The support ticket a dump belongs to (set by the portal's upload screen or later). */
export class DumpTickets {
  constructor(private readonly db: UsersDb) {}

  async get(dumpId: string): Promise<DumpTicket | null> {
    const r = await this.db
      .selectFrom('dump_tickets')
      .selectAll()
      .where('dump_id', '=', dumpId)
      .executeTakeFirst();
    return r ? { dumpId: r.dump_id, ticket: r.ticket, setBy: r.set_by, setAt: r.set_at } : null;
  }

  async set(dumpId: string, ticket: string, setBy: string): Promise<DumpTicket> {
    const row = { dump_id: dumpId, ticket, set_by: setBy, set_at: nowIso() };
    await this.db
      .insertInto('dump_tickets')
      .values(row)
      .onConflict((oc) =>
        oc.column('dump_id').doUpdateSet({ ticket, set_by: setBy, set_at: row.set_at }),
      )
      .execute();
    return { dumpId, ticket, setBy, setAt: row.set_at };
  }
}
