import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  watchVerdictSchema,
  type WatchProbeResult,
  type WatchVerdict,
} from '@kdumpfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashAction } from '../../apps/agent/src/watch/crash-action.js';
import { KMSG_PREFIX } from '../../apps/agent/src/watch/kmsg-evidence.js';
import { ReadinessGate } from '../../apps/agent/src/watch/readiness-gate.js';
import { judge } from '../../apps/agent/src/watch/verdict.js';
import { repoRoot } from '../collector/harness.js';
import { agentHome, cli } from './agent-harness.js';

// Host trees of libs/readiness (the same fixtures `kdumpfleet check` is tested on), copied so
// the test can add dev/kmsg and proc/sysrq-trigger as plain files: the fake kernel interfaces.
const testdata = join(repoRoot, 'libs', 'readiness', 'testdata');
const roots: string[] = [];
const children: ChildProcess[] = [];
let silent: Server;
let silentPort = 0;

beforeAll(async () => {
  // A service the kernel accepts connections for but that never answers: sshd stuck.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  silent?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function fakeHost(fixture: string, opts: { trigger?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdf-watch-action-'));
  roots.push(dir);
  const root = join(dir, 'root');
  cpSync(join(testdata, fixture, 'root'), root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'dev'), { recursive: true });
  mkdirSync(join(root, 'proc'), { recursive: true });
  writeFileSync(join(root, 'dev', 'kmsg'), '');
  if (opts.trigger !== false) writeFileSync(join(root, 'proc', 'sysrq-trigger'), '');
  return root;
}

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

const STACK = [
  '[<0>] rtnl_lock+0x15/0x20',
  '[<0>] kfault_rtnl_hold+0x2a/0x40 [kfault]',
  `[<0>] ${'very_long_symbol_'.repeat(80)}+0x1/0x2`,
].join('\n');

function round(verdict: 'alive' | 'undead', at: number): WatchVerdict {
  const probes: WatchProbeResult[] =
    verdict === 'alive'
      ? [{ probe: 'rtnl', status: 'ok', elapsedMs: 3, stuckAt: null, evidence: ['ok'] }]
      : [
          {
            probe: 'rtnl',
            status: 'stuck',
            elapsedMs: 3000,
            stuckAt: 'ip link set lo mtu 65536',
            evidence: ['no answer within 3000 ms; blocked at ip link set lo mtu 65536'],
          },
          {
            probe: 'hung-tasks',
            status: 'stuck',
            elapsedMs: 40,
            stuckAt: 'ip[4242]',
            evidence: [`task ip:4242 (pid 4242) blocked for more than 31 seconds\n${STACK}`],
          },
        ];
  const cost = { cpuUserMs: 1, cpuSystemMs: 1, rssBytes: 1, lingeringChildren: 0 };
  return judge('lab-1', probes, 5, 3, cost, new Date(Date.UTC(2026, 0, 1, 0, 0, at)));
}

interface Logged {
  event: string;
  fields: Record<string, unknown>;
}

function action(root: string, mode: 'report' | 'crash', clock: { t: number }, logs: Logged[]) {
  return new CrashAction({
    mode,
    crashAfterMs: 10_000,
    sysroot: root,
    gate: new ReadinessGate(root, 30_000, cli),
    log: (event, fields) => logs.push({ event, fields }),
    nowMs: () => clock.t,
  });
}

describe('the crash action against fake host trees (libs/readiness fixtures)', () => {
  it('ready host: armed and nothing written before crashAfter; then evidence to kmsg and c to sysrq-trigger', async () => {
    const root = fakeHost('debian-ready');
    const clock = { t: 0 };
    const logs: Logged[] = [];
    const a = action(root, 'crash', clock, logs);
    for (const t of [0, 5_000, 9_999]) {
      clock.t = t;
      const v = await a.decide(round('undead', t / 1000));
      expect(v.action?.state).toBe('armed');
      expect(v.action?.undeadSince).toBe(round('undead', 0).at);
    }
    expect(read(root, 'proc/sysrq-trigger')).toBe('');
    expect(read(root, 'dev/kmsg')).toBe('');
    clock.t = 10_000;
    const fired = await a.decide(round('undead', 10));
    expect(watchVerdictSchema.parse(fired).action?.state).toBe('fired');
    expect(fired.action?.detail).toMatch(/undead for 10 s .*kdump ready/);
    expect(read(root, 'proc/sysrq-trigger')).toBe('c');
    const kmsg = read(root, 'dev/kmsg').split('\n').filter(Boolean);
    // Every record: a level, our prefix, at most ~1 KiB (the kernel's record limit).
    for (const line of kmsg) {
      expect(line.startsWith(`<4>${KMSG_PREFIX}`)).toBe(true);
      expect(Buffer.byteLength(line)).toBeLessThan(1000);
    }
    const text = kmsg.join('\n');
    expect(text).toMatch(/undead since 2026-01-01T00:00:00.000Z: rtnl, hung-tasks stuck/);
    expect(text).toMatch(/rtnl: stuck at ip link set lo mtu 65536/);
    expect(text).toMatch(/hung-tasks: stuck at ip\[4242\]/);
    expect(text).toMatch(/hung-tasks: \[<0>\] kfault_rtnl_hold\+0x2a\/0x40 \[kfault\]/);
    // The over-long stack line was split, not dropped.
    expect(kmsg.filter((l) => l.includes('very_long_symbol_')).length).toBeGreaterThan(1);
    expect(logs.map((l) => l.event)).toEqual(['watch-action-fired']);
  });

  it('an alive round resets the clock: undead again starts counting from zero', async () => {
    const root = fakeHost('debian-ready');
    const clock = { t: 0 };
    const a = action(root, 'crash', clock, []);
    await a.decide(round('undead', 0));
    clock.t = 9_000;
    await a.decide(round('undead', 9));
    clock.t = 9_500;
    const alive = await a.decide(round('alive', 9.5));
    expect(alive.action).toMatchObject({ state: 'armed', undeadSince: null });
    clock.t = 12_000;
    await a.decide(round('undead', 12));
    clock.t = 21_000; // 21 s after the first undead round, 9 s into this streak
    const v = await a.decide(round('undead', 21));
    expect(v.action?.state).toBe('armed');
    expect(v.action?.undeadSince).toBe(round('undead', 12).at);
    expect(read(root, 'proc/sysrq-trigger')).toBe('');
    clock.t = 22_000;
    expect((await a.decide(round('undead', 22))).action?.state).toBe('fired');
    expect(read(root, 'proc/sysrq-trigger')).toBe('c');
  });

  it('kdump not ready (capture kernel not loaded): refused with the reason, never a crash, said once', async () => {
    const root = fakeHost('reserved-not-loaded');
    const clock = { t: 0 };
    const logs: Logged[] = [];
    const a = action(root, 'crash', clock, logs);
    await a.decide(round('undead', 0));
    for (const t of [10_000, 15_000, 60_000]) {
      clock.t = t;
      const v = await a.decide(round('undead', t / 1000));
      expect(v.action?.state).toBe('refused');
      expect(v.action?.detail).toMatch(/kdump is not ready: not crashing/);
      expect(v.action?.reasons.join('\n')).toMatch(/^capture-kernel-loaded: /m);
    }
    expect(read(root, 'proc/sysrq-trigger')).toBe('');
    expect(read(root, 'dev/kmsg')).toBe('');
    expect(logs.map((l) => l.event)).toEqual(['watch-action-refused']);
  });

  it('panic_on_oops=0 does not block a sysrq crash (sysrq c panics by itself)', async () => {
    const answer = await new ReadinessGate(fakeHost('panic-on-oops-off'), 30_000, cli).check();
    expect(answer.reasons).toEqual([]);
    expect(answer.ready).toBe(true);
  });

  it('a readiness check that hangs (a file it reads blocks): the last healthy check counts, but only with kexec_crash_loaded=1 now', async () => {
    const root = fakeHost('debian-ready');
    const gate = new ReadinessGate(root, 3000, cli);
    expect((await gate.prime())?.ready).toBe(true);
    rmSync(join(root, 'proc', 'cmdline'));
    expect(spawnSync('mkfifo', [join(root, 'proc', 'cmdline')]).status).toBe(0);
    const t0 = Date.now();
    const hung = await gate.check();
    expect(Date.now() - t0).toBeLessThan(3000 + 2000);
    expect(hung.ready).toBe(true);
    expect(hung.basis).toMatch(
      /did not answer within 3 s; the check at .* and kexec_crash_loaded=1 now$/,
    );
    writeFileSync(join(root, 'sys', 'kernel', 'kexec_crash_loaded'), '0\n');
    const unloaded = await gate.check();
    expect(unloaded.ready).toBe(false);
    expect(unloaded.reasons.at(-1)).toBe('capture kernel not loaded now (kexec_crash_loaded 0)');
  }, 20_000);

  it('no /proc/sysrq-trigger (kernel without MAGIC_SYSRQ): refused, naming the file', async () => {
    const root = fakeHost('debian-ready', { trigger: false });
    const clock = { t: 0 };
    const a = action(root, 'crash', clock, []);
    await a.decide(round('undead', 0));
    clock.t = 11_000;
    const v = await a.decide(round('undead', 11));
    expect(v.action?.state).toBe('refused');
    expect(v.action?.reasons.at(-1)).toMatch(/cannot write .*proc\/sysrq-trigger \(ENOENT\)/);
    expect(read(root, 'dev/kmsg')).toBe('');
  });

  it('report mode (the default) never crashes however long the host is undead', async () => {
    const root = fakeHost('debian-ready');
    const clock = { t: 0 };
    const a = action(root, 'report', clock, []);
    await a.decide(round('undead', 0));
    clock.t = 3_600_000;
    const v = await a.decide(round('undead', 3600));
    expect(v.action).toMatchObject({ mode: 'report', state: 'off', crashAfterSeconds: null });
    expect(read(root, 'proc/sysrq-trigger')).toBe('');
  });
});

/** Spawns the built CLI and collects its JSON verdict lines until `stop` says enough. */
function watchUntil(
  args: string[],
  stop: (v: WatchVerdict) => boolean,
  timeoutMs: number,
): Promise<{ verdicts: WatchVerdict[]; stderr: string }> {
  const home = agentHome({ node: 'lab-1' }, 'watch-action');
  roots.push(home.root);
  const p = spawn(process.execPath, [cli, 'watch', '--json', '--no-heartbeat', ...args], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(p);
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const verdicts: WatchVerdict[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`no stop condition within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    createInterface({ input: p.stdout }).on('line', (line) => {
      const v = watchVerdictSchema.parse(JSON.parse(line));
      verdicts.push(v);
      if (stop(v)) {
        clearTimeout(timer);
        p.kill('SIGTERM');
        p.once('exit', () => resolve({ verdicts, stderr }));
      }
    });
  });
}

describe('kdumpfleet watch --action crash (built CLI, fake sysroot)', () => {
  const args = (root: string) => [
    '--sysroot',
    root,
    '--probes',
    'tcp-accept',
    '--tcp',
    `127.0.0.1:${silentPort}`,
    '--interval',
    '1',
    '--deadline',
    '0.6',
    '--action',
    'crash',
    '--crash-after',
    '3',
  ];

  it('ready: armed rounds first, fires after --crash-after, evidence in kmsg, c in sysrq-trigger', async () => {
    const root = fakeHost('debian-ready');
    const { verdicts, stderr } = await watchUntil(
      args(root),
      (v) => v.action?.state === 'fired',
      30_000,
    );
    const fired = verdicts.at(-1)!;
    const firstUndead = verdicts.find((v) => v.verdict === 'undead')!;
    expect(Date.parse(fired.at) - Date.parse(firstUndead.at)).toBeGreaterThanOrEqual(2900);
    expect(verdicts.slice(0, -1).every((v) => v.action?.state === 'armed')).toBe(true);
    expect(read(root, 'proc/sysrq-trigger')).toBe('c');
    expect(read(root, 'dev/kmsg')).toContain(
      `${KMSG_PREFIX}tcp-accept: stuck at 127.0.0.1:${silentPort}`,
    );
    expect(stderr).toMatch(/watch-action-armed \{"crashAfterSeconds":3,"kdumpReady":true\}/);
    expect(stderr).toMatch(/watch-action-fired/);
  }, 40_000);

  it('not ready: refused with the reason, no crash, no kmsg lines', async () => {
    const root = fakeHost('no-crashkernel');
    const { verdicts, stderr } = await watchUntil(
      args(root),
      (v) => v.action?.state === 'refused',
      30_000,
    );
    const refused = verdicts.at(-1)!;
    expect(refused.action?.reasons.join('\n')).toMatch(/^capture-kernel-loaded: /m);
    expect(stderr).toMatch(/"kdumpReady":false,"wouldRefuse":\[/);
    expect(stderr).toMatch(/watch-action-refused/);
    expect(read(root, 'proc/sysrq-trigger')).toBe('');
    expect(read(root, 'dev/kmsg')).toBe('');
  }, 40_000);

  it('--crash-after shorter than --interval, or an unknown action: one line, exit 2', async () => {
    const home = agentHome({ node: 'lab-1' }, 'watch-action');
    roots.push(home.root);
    const run = (...a: string[]) =>
      spawnSync(process.execPath, [cli, 'watch', ...a], { env: home.env, encoding: 'utf8' });
    const short = run(
      '--interval',
      '5',
      '--deadline',
      '3',
      '--action',
      'crash',
      '--crash-after',
      '2',
    );
    expect(short.status).toBe(2);
    expect(short.stderr.trim()).toMatch(
      /^kdumpfleet: --crash-after \(2\) must be at least one --interval \(5\)/,
    );
    const bad = run('--once', '--action', 'reboot');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("kdumpfleet: --action: 'reboot' is not report or crash");
  });
});
