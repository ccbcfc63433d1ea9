import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  removeDir,
  startCollector,
  UPLOAD_TOKEN,
  type RunningCollector,
} from '../collector/harness.js';
import { agentHome, cli, type AgentHome } from './agent-harness.js';

interface Liveness {
  state: string;
  since: string | null;
  lastHeartbeatAt: string | null;
  stuck: string[];
  evidence: { probe: string; stuckAt: string | null; evidence: string[] }[];
  action: { mode: string; state: string; detail: string; reasons: string[] } | null;
}

let collector: RunningCollector;
let home: AgentHome;
let root = '';
let agent: ChildProcess | null = null;

/** A host tree whose pid 4242 has a cmdline nobody ever writes (a FIFO): `ps` hangs on it. */
function hangingProcTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdf-watch-run-'));
  for (const pid of [1, 4242]) {
    const p = join(dir, 'proc', String(pid));
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'stat'), `${pid} (worker) S 1 ${pid} ${pid} 0 -1 4194560`);
    writeFileSync(join(p, 'status'), 'Name:\tworker\n');
    if (pid === 1) writeFileSync(join(p, 'cmdline'), 'init\0');
  }
  expect(spawnSync('mkfifo', [join(dir, 'proc', '4242', 'cmdline')]).status).toBe(0);
  mkdirSync(join(dir, 'proc', 'self'), { recursive: true });
  writeFileSync(join(dir, 'proc', 'self', 'mounts'), '');
  mkdirSync(join(dir, 'sys', 'block'), { recursive: true });
  return dir;
}

beforeAll(async () => {
  collector = await startCollector({ env: { NODE_DEAD_AFTER: '4s' } });
  root = hangingProcTree();
  home = agentHome(
    {
      collectorUrl: collector.url,
      uploadToken: UPLOAD_TOKEN,
      node: 'run-watch',
      watch: {
        enabled: true,
        interval: 1.5,
        deadline: 1,
        probes: ['process-table', 'scheduling'],
        action: 'crash',
        crashAfter: 3,
      },
    },
    'watch-run',
  );
}, 90_000);
afterAll(async () => {
  agent?.kill('SIGKILL');
  await collector?.stop();
  if (collector) removeDir(collector.dataDir);
  if (home) removeDir(home.root);
  if (root) rmSync(root, { recursive: true, force: true });
});

async function liveness(): Promise<Liveness | null> {
  const r = await fetch(`${collector.url}/api/v1/nodes/run-watch`, { headers: adminHeaders });
  if (r.status === 404) return null;
  return ((await r.json()) as { liveness: Liveness }).liveness;
}

async function until(ok: (l: Liveness) => boolean, timeoutMs: number): Promise<Liveness> {
  const end = Date.now() + timeoutMs;
  let last: Liveness | null = null;
  while (Date.now() < end) {
    last = await liveness();
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Live probe children of `pid` (the watcher's own processes, by their script name). */
function probeChildrenOf(pid: number): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('probe-child.js')) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

describe('kdumpfleet run with agent.json watch.enabled (built agent → built collector)', () => {
  it('a probe hung for ever: undead at that pid, heartbeats go on, the report still goes up, children stay bounded, the crash action refuses on a host without kdump', async () => {
    const p = spawn(process.execPath, [cli, 'run'], {
      env: { ...home.env, KDUMPFLEET_SYSROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent = p;
    let stdout = '';
    let stderr = '';
    p.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));

    const undead = await until((l) => l.state === 'undead', 20_000);
    expect(undead.stuck).toEqual(['process-table']);
    expect(undead.evidence[0]!.stuckAt).toBe('pid 4242');

    // Heartbeats keep coming while the probe stays stuck; children never pile up.
    let maxChildren = 0;
    const before = undead.lastHeartbeatAt;
    const sampleEnd = Date.now() + 5000;
    while (Date.now() < sampleEnd) {
      maxChildren = Math.max(maxChildren, probeChildrenOf(p.pid!));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(maxChildren).toBeLessThanOrEqual(2);
    const later = await liveness();
    expect(later?.state).toBe('undead');
    expect(later?.since).toBe(undead.since);
    expect(Date.parse(later!.lastHeartbeatAt!)).toBeGreaterThan(Date.parse(before!));

    // Undead past crashAfter (3 s) on a tree with no kdump at all: refused, with the reason.
    const refused = await until((l) => l.action?.state === 'refused', 15_000);
    expect(refused.action?.mode).toBe('crash');
    expect(refused.action?.reasons.join('\n')).toMatch(/capture-kernel-loaded/);

    // The daemon's other half ran alongside: the readiness report reached the collector.
    const node = (await (
      await fetch(`${collector.url}/api/v1/nodes/run-watch`, { headers: adminHeaders })
    ).json()) as { report: unknown };
    expect(node.report).not.toBeNull();

    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; verdict?: string; action?: string });
    expect(events.map((e) => e.event)).toContain('report-sent');
    // A line when the verdict or the action's state changes, not one per round.
    const verdictLines = events.filter((e) => e.event === 'watch-verdict');
    expect(verdictLines.length).toBeLessThanOrEqual(4);
    expect(verdictLines.some((e) => e.verdict === 'undead' && e.action === 'refused')).toBe(true);
    expect(events.map((e) => e.event)).toContain('watch-action-refused');
    expect(stderr).toBe('');
  }, 60_000);
});
