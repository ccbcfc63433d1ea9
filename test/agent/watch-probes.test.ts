import { type ChildProcess, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchVerdictSchema, type WatchProbeResult } from '@kdumpfleet/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { HungTaskTracker } from '../../apps/agent/src/watch/hung-task-tracker.js';
import type { ProbeOptions } from '../../apps/agent/src/watch/probe-protocol.js';
import { parseTcpTarget, probeOptionsFor } from '../../apps/agent/src/watch/probe-options.js';
import { LingeringChildren, runProbe } from '../../apps/agent/src/watch/probe-runner.js';
import { parseMounts, writableMounts } from '../../apps/agent/src/watch/probes/block-io.js';
import { contextSwitches, parseStat } from '../../apps/agent/src/watch/probes/hung-tasks.js';
import { judge } from '../../apps/agent/src/watch/verdict.js';
import { Watcher } from '../../apps/agent/src/watch/watcher.js';
import { repoRoot } from '../collector/harness.js';
import { agentHome, runAgent } from './agent-harness.js';

// The probe child runs as a real process: the built one (the bootstrap builds before tests).
const probeChild = join(repoRoot, 'apps', 'agent', 'dist', 'watch', 'probe-child.js');
const roots: string[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'kdf-watch-'));
  roots.push(root);
  mkdirSync(join(root, 'proc', 'self'), { recursive: true });
  mkdirSync(join(root, 'sys', 'block'), { recursive: true });
  writeFileSync(join(root, 'proc', 'self', 'mounts'), '');
  return root;
}

function fakePid(
  root: string,
  pid: number,
  state: string,
  extra: { stack?: string; switches?: number } = {},
) {
  const dir = join(root, 'proc', String(pid));
  mkdirSync(join(dir, 'task', String(pid)), { recursive: true });
  const stat = `${pid} (worker (x)) ${state} 1 ${pid} ${pid} 0 -1 4194560`;
  const status = `Name:\tworker\nvoluntary_ctxt_switches:\t${extra.switches ?? 5}\nnonvoluntary_ctxt_switches:\t1\n`;
  for (const d of [dir, join(dir, 'task', String(pid))]) {
    writeFileSync(join(d, 'stat'), stat);
    writeFileSync(join(d, 'status'), status);
    writeFileSync(join(d, 'cmdline'), 'worker\0');
    if (extra.stack) writeFileSync(join(d, 'stack'), extra.stack);
  }
}

const opts = (root: string, more: Partial<ProbeOptions> = {}): ProbeOptions => ({
  ...probeOptionsFor(root, [], 2000),
  ...more,
});

const result = (
  probe: WatchProbeResult['probe'],
  status: WatchProbeResult['status'],
): WatchProbeResult => ({
  probe,
  status,
  elapsedMs: 1,
  stuckAt: null,
  evidence: [],
});
const cost = { cpuUserMs: 1, cpuSystemMs: 1, rssBytes: 1, lingeringChildren: 0 };

describe('verdict logic', () => {
  it('alive when nothing is stuck; a probe that failed fast (refused, no permission) is not a hang', () => {
    const v = judge('n1', [result('tcp-accept', 'error'), result('rtnl', 'ok')], 30, 10, cost);
    expect(v.verdict).toBe('alive');
    expect(v.stuck).toEqual([]);
    expect(watchVerdictSchema.safeParse(v).success).toBe(true);
  });
  it('undead naming every stuck probe', () => {
    const v = judge(
      'n1',
      [result('block-io', 'stuck'), result('rtnl', 'ok'), result('hung-tasks', 'stuck')],
      30,
      10,
      cost,
    );
    expect(v.verdict).toBe('undead');
    expect(v.stuck).toEqual(['block-io', 'hung-tasks']);
  });
  it('a D-state task is hung only after the threshold without a context switch', () => {
    const t = { pid: 9, tid: 9, comm: 'kworker', switches: 10, stack: null };
    const tracker = new HungTaskTracker(5000);
    expect(tracker.observe([t], 0)).toEqual([]);
    expect(tracker.observe([t], 4000)).toEqual([]);
    expect(tracker.observe([t], 6000).map((h) => h.forMs)).toEqual([6000]);
    // It ran in between (switch count moved): the clock starts again.
    expect(tracker.observe([{ ...t, switches: 11 }], 7000)).toEqual([]);
    // It left D state and came back: starts again too.
    expect(tracker.observe([], 8000)).toEqual([]);
    expect(tracker.observe([t], 14000)).toEqual([]);
  });
  it('parses stat with parentheses in comm, switch counts, mounts and tcp targets', () => {
    expect(parseStat('42 (a) b) D 1 2')).toEqual({ comm: 'a) b', state: 'D' });
    expect(contextSwitches('voluntary_ctxt_switches:\t7\nnonvoluntary_ctxt_switches:\t3\n')).toBe(
      10,
    );
    const mounts = parseMounts(
      '/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n/dev/vdb /mnt/my\\040disk xfs rw 0 0\n/dev/vdc /ro ext4 ro 0 0\n/dev/vda1 /bind ext4 rw 0 0\n',
    );
    expect(writableMounts(mounts).map((m) => m.mountPoint)).toEqual(['/', '/mnt/my disk']);
    expect(parseTcpTarget('22', true)).toEqual({ host: '127.0.0.1', port: 22, banner: true });
    expect(parseTcpTarget('[::1]:2222', false)).toEqual({ host: '::1', port: 2222, banner: false });
    expect(() => parseTcpTarget('host:99999', true)).toThrow(/not \[host:\]port/);
  });
});

describe('probes in child processes with a hard deadline', () => {
  it('process table of a fake /proc: reads every pid', async () => {
    const root = fakeRoot();
    fakePid(root, 1, 'S');
    fakePid(root, 2, 'R');
    const run = await runProbe(
      'process-table',
      opts(root),
      5000,
      new LingeringChildren(),
      probeChild,
    );
    expect(run.result.status).toBe('ok');
    expect(run.result.evidence[0]).toMatch(/of 2 of 2 pids/);
  });

  it('a probe blocked for ever (cmdline is a FIFO nobody writes) is stuck at that pid within the deadline, and the watcher goes on', async () => {
    const root = fakeRoot();
    fakePid(root, 1, 'S');
    fakePid(root, 4242, 'S');
    rmSync(join(root, 'proc', '4242', 'cmdline'));
    expect(spawnSync('mkfifo', [join(root, 'proc', '4242', 'cmdline')]).status).toBe(0);
    const watcher = new Watcher({
      node: 'n1',
      probes: ['process-table', 'scheduling'],
      probeOptions: opts(root),
      intervalMs: 6000,
      deadlineMs: 3000,
      hungAfterMs: 30_000,
      probeChild,
    });
    for (let round = 0; round < 2; round++) {
      const t0 = Date.now();
      const v = await watcher.round();
      expect(Date.now() - t0).toBeLessThan(3000 + 1500);
      expect(v.verdict).toBe('undead');
      expect(v.stuck).toEqual(['process-table']);
      const pt = v.probes.find((p) => p.probe === 'process-table')!;
      expect(pt.stuckAt).toBe('pid 4242');
      expect(pt.evidence.join('\n')).toMatch(/no answer within 3000 ms; blocked at pid 4242/);
      expect(v.probes.find((p) => p.probe === 'scheduling')!.status).toBe('ok');
    }
  });

  it('a killed probe child that has not exited (D state) is reported stuck again, and no second child is started', async () => {
    const lingering = new LingeringChildren();
    // A child that ignores SIGKILL is what D state looks like from user space: never exits.
    const undying = Object.assign(new EventEmitter(), { pid: 31337 }) as unknown as ChildProcess;
    lingering.add('block-io', undying, 'write+fsync /srv (/dev/vdb)', '2026-01-01T00:00:00.000Z');
    const t0 = Date.now();
    const run = await runProbe(
      'block-io',
      opts('/nonexistent'),
      1000,
      lingering,
      '/nonexistent/probe.js',
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(run.result.status).toBe('stuck');
    expect(run.result.stuckAt).toBe('write+fsync /srv (/dev/vdb)');
    expect(run.result.evidence[0]).toMatch(
      /^previous probe still blocked since 2026-01-01T00:00:00.000Z: .*pid 31337\) was killed and still has not exited/,
    );
    expect(lingering.size).toBe(1);
    undying.emit('exit', null, 'SIGKILL');
    expect(lingering.size).toBe(0);
  });

  it('hung tasks of a fake /proc: D state seen once is not hung; seen again past the threshold it is, with its stack', async () => {
    const root = fakeRoot();
    fakePid(root, 1, 'S');
    fakePid(root, 77, 'D', {
      stack: '[<0>] rtnl_lock+0x15/0x20\n[<0>] kfault_hold+0x2a/0x40 [kfault]',
    });
    const watcher = new Watcher({
      node: 'n1',
      probes: ['hung-tasks'],
      probeOptions: opts(root),
      intervalMs: 3000,
      deadlineMs: 2000,
      hungAfterMs: 200,
      probeChild,
    });
    const first = await watcher.round();
    expect(first.verdict).toBe('alive');
    expect(first.probes[0]!.evidence.join('\n')).toMatch(/worker \(x\)\[77\] in D/);
    await new Promise((r) => setTimeout(r, 300));
    const second = await watcher.round();
    expect(second.verdict).toBe('undead');
    expect(second.stuck).toEqual(['hung-tasks']);
    const ev = second.probes[0]!.evidence.join('\n');
    expect(ev).toMatch(/task worker \(x\):77 \(pid 77\) blocked for more than 0 seconds/);
    expect(ev).toMatch(/rtnl_lock\+0x15/);
  });

  it('block I/O: write+fsync on each writable disk mount of the tree, pseudo filesystems skipped', async () => {
    const root = fakeRoot();
    mkdirSync(join(root, 'data'));
    writeFileSync(
      join(root, 'proc', 'self', 'mounts'),
      '/dev/vdb /data ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n',
    );
    const run = await runProbe('block-io', opts(root), 5000, new LingeringChildren(), probeChild);
    expect(run.result.status).toBe('ok');
    expect(run.result.evidence).toEqual(['/data: write+fsync ok']);
  });
});

function listen(onConnection: (s: import('node:net').Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('TCP accept probe against real listeners', () => {
  it('a service that answers with a banner is ok; one that accepts and never speaks is stuck at it; a closed port is an error, not a hang', async () => {
    const answering = await listen((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const silent = await listen(() => {
      /* accepted by the kernel, the service never answers: sshd stuck */
    });
    const closedPort = await listen((s) => s.destroy());
    servers.at(-1)!.close();
    const lingering = new LingeringChildren();
    const ok = await runProbe(
      'tcp-accept',
      opts('/', { tcpTargets: [parseTcpTarget(String(answering), true)] }),
      3000,
      lingering,
      probeChild,
    );
    expect(ok.result.status).toBe('ok');
    expect(ok.result.evidence[0]).toBe(
      `127.0.0.1:${answering} answered: "SSH-2.0-OpenSSH_9.2p1 Debian-2"`,
    );
    const t0 = Date.now();
    const stuck = await runProbe(
      'tcp-accept',
      opts('/', {
        tcpTargets: [parseTcpTarget(String(answering), true), parseTcpTarget(String(silent), true)],
      }),
      3000,
      lingering,
      probeChild,
    );
    expect(Date.now() - t0).toBeLessThan(4500);
    expect(stuck.result.status).toBe('stuck');
    expect(stuck.result.stuckAt).toBe(`127.0.0.1:${silent}`);
    // Without waiting for a banner, the kernel's accept is enough.
    const connectOnly = await runProbe(
      'tcp-accept',
      opts('/', { tcpTargets: [parseTcpTarget(String(silent), false)] }),
      3000,
      lingering,
      probeChild,
    );
    expect(connectOnly.result.status).toBe('ok');
    const refused = await runProbe(
      'tcp-accept',
      opts('/', { tcpTargets: [parseTcpTarget(String(closedPort), true)] }),
      3000,
      lingering,
      probeChild,
    );
    expect(refused.result.status).toBe('error');
    expect(refused.result.evidence[0]).toMatch(/ECONNREFUSED/);
  });
});

describe('kdumpfleet watch (built CLI)', () => {
  it('--once --json prints one valid kdumpfleet.watch/v1 verdict with its own cost', () => {
    const home = agentHome({ node: 'watch-cli' }, 'watch');
    roots.push(home.root);
    const root = fakeRoot();
    fakePid(root, 1, 'S');
    const r = runAgent(
      home,
      ['watch', '--once', '--json', '--probes', 'process-table,scheduling', '--sysroot', root],
      {},
      30_000,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = watchVerdictSchema.parse(JSON.parse(r.stdout));
    expect(v.node).toBe('watch-cli');
    expect(v.verdict).toBe('alive');
    expect(v.probes.map((p) => p.probe)).toEqual(['process-table', 'scheduling']);
    expect(v.cost.rssBytes).toBeGreaterThan(1024 * 1024);
    // The bound on children is printed with the cost: one per probe at most.
    expect(v.cost.maxChildren).toBe(2);
    expect(v.action).toMatchObject({ mode: 'report', state: 'off' });
  });
  it('bad flags are one line, exit 2', () => {
    const home = agentHome({ node: 'watch-cli' }, 'watch');
    roots.push(home.root);
    const r = runAgent(home, ['watch', '--interval', '5', '--deadline', '9'], {}, 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('kdumpfleet: --deadline (9) must be shorter than --interval (5)');
    const p = runAgent(home, ['watch', '--once', '--probes', 'ping'], {}, 30_000);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/unknown probe 'ping'/);
  });
});

describe('a slow probe is not a stuck one', () => {
  /** A probe child speaking the protocol: `steps` steps `everyMs` apart, then answers (or not). */
  function fakeChild(steps: number, everyMs: number, answers: boolean, blockAfter = false): string {
    const dir = mkdtempSync(join(tmpdir(), 'kdf-fake-probe-'));
    roots.push(dir);
    const file = join(dir, 'probe.mjs');
    writeFileSync(
      file,
      `let i = 0;
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const t = setInterval(() => {
  if (i < ${steps}) return say({ step: 'pid ' + ++i });
  clearInterval(t);
  if (${blockAfter}) return setInterval(() => {}, 1e6); // blocked: no more steps, no answer
  if (${answers}) say({ result: { status: 'ok', evidence: [i + ' processes'] } });
}, ${everyMs});
`,
    );
    return file;
  }

  it('a child still advancing at the deadline gets one grace and passes, saying it was slow', async () => {
    // steps for ~1.3 s against a 1 s deadline: a loaded host, not a hang
    const run = await runProbe(
      'process-table',
      opts('/'),
      1000,
      new LingeringChildren(),
      fakeChild(26, 50, true),
    );
    expect(run.result.status).toBe('ok');
    expect(run.result.elapsedMs).toBeGreaterThan(1000);
    expect(run.result.evidence.join('\n')).toMatch(/slow, not stuck: still advancing/);
  });

  it('a child that stopped advancing is stuck at the deadline, with no grace', async () => {
    const t0 = Date.now();
    const run = await runProbe(
      'process-table',
      opts('/'),
      1000,
      new LingeringChildren(),
      fakeChild(2, 50, false, true),
    );
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(run.result).toMatchObject({ status: 'stuck', stuckAt: 'pid 2' });
    expect(run.result.evidence[0]).not.toMatch(/grace/);
  });

  it('a child that advances for ever is stuck after one grace, not later', async () => {
    const t0 = Date.now();
    const run = await runProbe(
      'process-table',
      opts('/'),
      1000,
      new LingeringChildren(),
      fakeChild(1e9, 50, false),
    );
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(2200);
    expect(run.result.status).toBe('stuck');
    expect(run.result.evidence[0]).toMatch(/\+ 500 ms grace/);
  });
});
