import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  removeDir,
  startCollector,
  UPLOAD_TOKEN,
  uploadHeaders,
  type RunningCollector,
} from '../collector/harness.js';
import { agentHome, cli, type AgentHome } from './agent-harness.js';

interface Liveness {
  state: string;
  since: string | null;
  lastHeartbeatAt: string | null;
  stuck: string[];
  evidence: { probe: string; stuckAt: string | null; evidence: string[] }[];
  lastVerdict: string | null;
  deadAt: string | null;
  action: { mode: string; state: string; detail: string; reasons: string[] } | null;
}

let collector: RunningCollector;
const homes: AgentHome[] = [];
const agents: ChildProcess[] = [];
let silent: Server;
let silentPort = 0;

beforeAll(async () => {
  collector = await startCollector({ env: { NODE_DEAD_AFTER: '3s' } });
  // A service the kernel accepts connections for but that never answers: sshd stuck.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
}, 90_000);
afterAll(async () => {
  for (const a of agents) a.kill('SIGKILL');
  silent?.close();
  await collector?.stop();
  if (collector) removeDir(collector.dataDir);
  for (const h of homes) removeDir(h.root);
});

function watch(node: string, args: string[]): ChildProcess {
  const h = agentHome({ collectorUrl: collector.url, uploadToken: UPLOAD_TOKEN, node }, 'watch');
  homes.push(h);
  const p = spawn(
    process.execPath,
    [cli, 'watch', '--json', '--interval', '2', '--deadline', '1.5', ...args],
    {
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  agents.push(p);
  return p;
}

async function liveness(node: string): Promise<Liveness | null> {
  const r = await fetch(`${collector.url}/api/v1/nodes/${node}`, { headers: adminHeaders });
  if (r.status === 404) return null;
  return ((await r.json()) as { liveness: Liveness }).liveness;
}

async function until(node: string, state: string, timeoutMs: number): Promise<Liveness> {
  const end = Date.now() + timeoutMs;
  let last: Liveness | null = null;
  while (Date.now() < end) {
    last = await liveness(node);
    if (last?.state === state) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${node} not ${state} within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

describe('watch heartbeats (built agent → built collector, NODE_DEAD_AFTER=3s)', () => {
  it('alive while heartbeats come; dead once they stop', async () => {
    const agent = watch('hb-alive', ['--probes', 'scheduling,process-table']);
    const alive = await until('hb-alive', 'alive', 15_000);
    expect(alive.stuck).toEqual([]);
    expect(alive.lastHeartbeatAt).not.toBeNull();
    const list = (await (
      await fetch(`${collector.url}/api/v1/nodes`, { headers: adminHeaders })
    ).json()) as {
      heartbeatOnly: { node: string; liveness: Liveness }[];
      deadAfterSeconds: number;
    };
    expect(list.deadAfterSeconds).toBe(3);
    expect(list.heartbeatOnly.find((n) => n.node === 'hb-alive')?.liveness.state).toBe('alive');
    agent.kill('SIGTERM');
    const stoppedAt = Date.now();
    const dead = await until('hb-alive', 'dead', 10_000);
    expect(Date.now() - stoppedAt).toBeGreaterThan(2000);
    expect(dead.since).toBe(dead.lastHeartbeatAt);
    expect(dead.lastVerdict).toBe('alive');
    expect(Date.parse(dead.deadAt!) - Date.parse(dead.lastHeartbeatAt!)).toBe(3000);
    expect(alive.action).toMatchObject({ mode: 'report', state: 'off' });
    // Back from the dead: a new spell of alive, not the old one.
    const again = watch('hb-alive', ['--probes', 'scheduling']);
    const back = await until('hb-alive', 'alive', 15_000);
    expect(Date.parse(back.since!)).toBeGreaterThan(Date.parse(dead.lastHeartbeatAt!));
    again.kill('SIGTERM');
  }, 40_000);

  it('undead naming the stuck probe and where, with since; the heartbeat goes on', async () => {
    const agent = watch('hb-undead', [
      '--probes',
      'tcp-accept,scheduling',
      '--tcp',
      `127.0.0.1:${silentPort}`,
    ]);
    const undead = await until('hb-undead', 'undead', 15_000);
    expect(undead.stuck).toEqual(['tcp-accept']);
    expect(undead.evidence[0]!.stuckAt).toBe(`127.0.0.1:${silentPort}`);
    const since = undead.since;
    const before = undead.lastHeartbeatAt;
    await new Promise((r) => setTimeout(r, 3000));
    const later = await liveness('hb-undead');
    expect(later?.state).toBe('undead');
    expect(later?.since).toBe(since); // the same spell of undead
    expect(later?.lastHeartbeatAt).not.toBe(before); // heartbeats kept coming
    agent.kill('SIGTERM');
  }, 40_000);

  it('the crash action fired, then silence: dead, and the action says it fired', async () => {
    const verdict = {
      schema: 'kdumpfleet.watch/v1',
      node: 'hb-fired',
      at: new Date().toISOString(),
      verdict: 'undead',
      stuck: ['rtnl'],
      intervalSeconds: 5,
      deadlineSeconds: 3,
      probes: [
        { probe: 'rtnl', status: 'stuck', elapsedMs: 3000, stuckAt: 'ip link', evidence: ['x'] },
      ],
      cost: { cpuUserMs: 1, cpuSystemMs: 1, rssBytes: 1, lingeringChildren: 1, maxChildren: 6 },
      action: {
        mode: 'crash',
        state: 'fired',
        crashAfterSeconds: 10,
        undeadSince: new Date(Date.now() - 12_000).toISOString(),
        detail: 'undead for 12 s (crash after 10 s); kdump ready; sysrq c now',
        reasons: [],
      },
    };
    const r = await fetch(`${collector.url}/api/v1/nodes/hb-fired/heartbeat`, {
      method: 'POST',
      headers: { ...uploadHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify(verdict),
    });
    expect(r.status).toBe(201);
    const undead = await until('hb-fired', 'undead', 5000);
    expect(undead.action).toMatchObject({ state: 'fired', crashAfterSeconds: 10 });
    const dead = await until('hb-fired', 'dead', 10_000);
    expect(dead.lastVerdict).toBe('undead');
    expect(dead.action?.state).toBe('fired');
  }, 20_000);

  it('refuses bad heartbeats: schema, node of the path, no token', async () => {
    const post = (node: string, body: unknown, headers: Record<string, string> = uploadHeaders) =>
      fetch(`${collector.url}/api/v1/nodes/${node}/heartbeat`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('hb-bad', {
      schema: 'kdumpfleet.watch/v1',
      node: 'hb-bad',
      verdict: 'dead',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^at: /);
    const good = {
      schema: 'kdumpfleet.watch/v1',
      node: 'other',
      at: new Date().toISOString(),
      verdict: 'alive',
      stuck: [],
      intervalSeconds: 30,
      deadlineSeconds: 10,
      probes: [],
      cost: { cpuUserMs: 1, cpuSystemMs: 1, rssBytes: 1, lingeringChildren: 0 },
    };
    const mismatch = await post('hb-bad', good);
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { field: string }).field).toBe('node');
    expect((await post('other', good, {})).status).toBe(401);
    expect((await post('other', good)).status).toBe(201);
    expect(await liveness('never-seen')).toBeNull();
  });
});
