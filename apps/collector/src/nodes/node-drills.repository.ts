import { randomUUID } from 'node:crypto';
import type { NodesDb } from './nodes-schema.js';

export interface Drill {
  id: string;
  node: string;
  scenario: string;
  state: 'pending' | 'passed' | 'failed';
  createdAt: string;
  deadlineAt: string;
  dumpId: string | null;
  finishedAt: string | null;
}

/**
 * Fire drills: the agent registers one just before it crashes its host on purpose; the drill
 * passes when a good dump from that node is recorded within the window, fails when the window
 * ends without one. Judged when drills are read (no timer needed, nothing lost on restart).
 */
export class NodeDrillsRepository {
  constructor(private readonly db: NodesDb) {}

  async create(node: string, scenario: string, windowMs: number, now = new Date()): Promise<Drill> {
    const drill: Drill = {
      id: randomUUID(),
      node,
      scenario,
      state: 'pending',
      createdAt: now.toISOString(),
      deadlineAt: new Date(now.getTime() + windowMs).toISOString(),
      dumpId: null,
      finishedAt: null,
    };
    await this.db
      .insertInto('node_drills')
      .values({
        id: drill.id,
        node,
        scenario,
        state: drill.state,
        created_at: drill.createdAt,
        deadline_at: drill.deadlineAt,
        dump_id: null,
        finished_at: null,
      })
      .execute();
    return drill;
  }

  async list(node: string, now = new Date()): Promise<Drill[]> {
    const pending = await this.db
      .selectFrom('node_drills')
      .selectAll()
      .where('node', '=', node)
      .where('state', '=', 'pending')
      .execute();
    for (const d of pending) await this.judge(d, now);
    const rows = await this.db
      .selectFrom('node_drills')
      .selectAll()
      .where('node', '=', node)
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      node: r.node,
      scenario: r.scenario,
      state: r.state as Drill['state'],
      createdAt: r.created_at,
      deadlineAt: r.deadline_at,
      dumpId: r.dump_id,
      finishedAt: r.finished_at,
    }));
  }

  private async judge(
    d: { id: string; node: string; created_at: string; deadline_at: string },
    now: Date,
  ) {
    const dump = await this.db
      .selectFrom('dumps')
      .select(['id', 'created_at'])
      .where('node', '=', d.node)
      .where('state', '=', 'received')
      .where('created_at', '>=', d.created_at)
      .where('created_at', '<=', d.deadline_at)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    if (dump) {
      await this.db
        .updateTable('node_drills')
        .set({ state: 'passed', dump_id: dump.id, finished_at: dump.created_at })
        .where('id', '=', d.id)
        .execute();
    } else if (now.toISOString() > d.deadline_at) {
      await this.db
        .updateTable('node_drills')
        .set({ state: 'failed', finished_at: d.deadline_at })
        .where('id', '=', d.id)
        .execute();
    }
  }
}
