import type {
  NodeLiveness,
  WatchAction,
  WatchProbeResult,
  WatchVerdict,
} from '@kdumpfleet/contracts';
import type { HeartbeatsDb, NodeHeartbeatsTable } from './heartbeat-schema.js';

/** What the fleet view shows per node about liveness. */
export interface Liveness {
  state: NodeLiveness;
  /** Since when the state holds (dead: since the last heartbeat). */
  since: string | null;
  lastHeartbeatAt: string | null;
  stuck: string[];
  /** Evidence of the stuck probes of the last heartbeat. */
  evidence: Pick<WatchProbeResult, 'probe' | 'stuckAt' | 'evidence'>[];
  /** The verdict of the last heartbeat (`alive`/`undead`; what a dead node last said). */
  lastVerdict: 'alive' | 'undead' | null;
  /** Dead: when the collector concluded it (last heartbeat + NODE_DEAD_AFTER). */
  deadAt: string | null;
  /** The opt-in crash action as the last heartbeat reported it (null: an agent without it). */
  action: Pick<WatchAction, 'mode' | 'state' | 'detail' | 'reasons' | 'crashAfterSeconds'> | null;
}

export const UNKNOWN_LIVENESS: Liveness = {
  state: 'unknown',
  since: null,
  lastHeartbeatAt: null,
  stuck: [],
  evidence: [],
  lastVerdict: null,
  deadAt: null,
  action: null,
};

function actionOf(v: WatchVerdict): Liveness['action'] {
  if (!v.action) return null;
  const { mode, state, detail, reasons, crashAfterSeconds } = v.action;
  return { mode, state, detail, reasons, crashAfterSeconds };
}

/** Judged on read: no timer, so a restart of the collector loses nothing. */
export function livenessOf(
  row: NodeHeartbeatsTable | undefined,
  deadAfterMs: number,
  nowMs: number,
): Liveness {
  if (!row) return UNKNOWN_LIVENESS;
  const body = JSON.parse(row.body) as WatchVerdict;
  const lastVerdict = row.verdict === 'undead' ? 'undead' : 'alive';
  const lastAtMs = Date.parse(row.received_at);
  if (nowMs - lastAtMs > deadAfterMs)
    return {
      state: 'dead',
      since: row.received_at,
      lastHeartbeatAt: row.received_at,
      stuck: [],
      evidence: [],
      lastVerdict,
      deadAt: new Date(lastAtMs + deadAfterMs).toISOString(),
      // `fired` then dead is the expected end: the host crashed into kdump on purpose.
      action: actionOf(body),
    };
  return {
    state: row.verdict === 'undead' ? 'undead' : 'alive',
    since: row.since,
    lastHeartbeatAt: row.received_at,
    stuck: JSON.parse(row.stuck) as string[],
    evidence: body.probes
      .filter((p) => p.status === 'stuck')
      .map((p) => ({ probe: p.probe, stuckAt: p.stuckAt, evidence: p.evidence })),
    lastVerdict,
    deadAt: null,
    action: actionOf(body),
  };
}

/** The newest heartbeat per node (one row, replaced), and since when its verdict holds. */
export class HeartbeatRepository {
  constructor(
    private readonly db: HeartbeatsDb,
    private readonly deadAfterMs: number,
  ) {}

  async record(
    node: string,
    v: WatchVerdict,
    now = new Date(),
  ): Promise<{ node: string; receivedAt: string; verdict: string; since: string }> {
    const receivedAt = now.toISOString();
    return this.db.transaction().execute(async (tx) => {
      const before = await tx
        .selectFrom('node_heartbeats')
        .selectAll()
        .where('node', '=', node)
        .executeTakeFirst();
      // The same verdict continues its spell, unless the node was dead in between.
      const continues =
        before !== undefined &&
        before.verdict === v.verdict &&
        now.getTime() - Date.parse(before.received_at) <= this.deadAfterMs;
      const since = continues ? before.since : receivedAt;
      const row = {
        node,
        received_at: receivedAt,
        verdict: v.verdict,
        since,
        stuck: JSON.stringify(v.stuck),
        body: JSON.stringify(v),
      };
      if (before)
        await tx.updateTable('node_heartbeats').set(row).where('node', '=', node).execute();
      else await tx.insertInto('node_heartbeats').values(row).execute();
      return { node, receivedAt, verdict: v.verdict, since };
    });
  }

  async one(node: string): Promise<NodeHeartbeatsTable | undefined> {
    return this.db
      .selectFrom('node_heartbeats')
      .selectAll()
      .where('node', '=', node)
      .executeTakeFirst();
  }

  async all(): Promise<NodeHeartbeatsTable[]> {
    return this.db.selectFrom('node_heartbeats').selectAll().orderBy('node').execute();
  }
}
