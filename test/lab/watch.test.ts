/**
 * `kdumpfleet watch` in the crash lab (issue 11, "Tests"), on a real Debian 6.1 kernel, with the
 * BUILT agent running inside the busybox guest on the host's node binary:
 *
 * - hang boot: a short soak (idle, then CPU + disk + network load) gives no `undead`; then each
 *   kfault soft hang makes a round name the right probe (watch-hangs.ts has the mapping and
 *   why) within two probe intervals, with stuckAt naming the pid, device or mount; after the
 *   release (rmmod kfault) a round is `alive` again. Healthy probe times are printed.
 * - action boot: `--action crash` refuses while no capture kernel is loaded (no crash, the
 *   reasons in the verdict), and after `kdumpfleet arm` crashes the guest during an rtnl hang;
 *   the capture kernel's dmesg.<stamp> and `kdumpfleet triage --dmesg` of the dump hold the
 *   watcher's `kdumpfleet-watch:` evidence lines.
 * - LAB_FULL=1 (npm run test:lab:full) adds the issue's full no-false-alarm soak: 10 minutes
 *   idle and 10 minutes under load (KDF_WATCH_SOAK_SECONDS=idle,load to change it).
 * Skips (with the reason) only where the lab's own tests skip, or without a build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchVerdict } from '@kdumpfleet/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { guestAgentConfig } from './src/agent-script.js';
import { agentDiskFiles } from './src/agent-stage.js';
import { cacheDir, repoRoot } from './src/paths.js';
import { LAB_TOOLS, missingLabTools } from './src/prerequisites.js';
import {
  runLab,
  triageDump,
  type CrashScenario,
  type GuestScenario,
  type LabResult,
} from './src/index.js';
import { WATCH_HANGS } from './src/watch-hangs.js';
import {
  formatTimings,
  judgeHang,
  parseEvents,
  parseVerdicts,
  probeTimings,
  roundsBetween,
  type WatchEvent,
} from './src/watch-results.js';
import {
  watchActionScript,
  watchHangScript,
  WATCH_OUT_DIR,
  type WatchSoak,
  type WatchTiming,
} from './src/watch-script.js';

const FULL = process.env.LAB_FULL === '1';
if (!FULL)
  console.warn(
    'lab watch: the 10 + 10 minute no-false-alarm soak runs only with LAB_FULL=1 (npm run test:lab:full); npm test runs a 30 + 30 s soak',
  );
const KEEP = process.env.KDF_LAB_KEEP === '1';
const agentCli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');

const missingTools = missingLabTools(LAB_TOOLS);
const unbuilt = existsSync(agentCli) ? null : `${agentCli} missing; run npm run build`;
const canRun = missingTools === null && unbuilt === null;
if (missingTools) console.warn(`lab watch test skipped: ${missingTools}`);
if (unbuilt) console.warn(`lab watch test skipped: ${unbuilt}`);

/**
 * Measured in the 6.1 TCG guest (2 vCPUs on a shared 2-core host): one probe child alone takes
 * 1.7–3 s (node starting: `node -e 0` is 0.4–0.9 s there), six at once 3–6 s idle, more under
 * load. The deadline leaves room above that (a false alarm fails the soak); the interval keeps
 * a deadline-long round from running into the next.
 */
const TIMING: WatchTiming = { intervalS: 15, deadlineS: 12, hungAfterS: 30 };
const SHORT_SOAK: WatchSoak = { idleS: 30, loadS: 30 };
/**
 * The long soak's deadline: in the first 20-minute run at 12 s, one round of 81 under load went
 * over (process-table 12.1 s, "blocked" at a kernel thread's pid while the host's load average
 * was ~6 from other work): slow, not stuck. Round times there: median 3.3–4.8 s, max 8.3 s idle
 * and 12.1 s loaded. The tail grows with the length of the run, so the long soak gets room.
 */
const SOAK_TIMING: WatchTiming = { intervalS: 20, deadlineS: 16, hungAfterS: 30 };
/** at least one interval (watch refuses less: one stuck round is not a hang worth a dump) */
const CRASH_AFTER_S = 20;

function fullSoak(): WatchSoak {
  const [idle, load] = (process.env.KDF_WATCH_SOAK_SECONDS ?? '600,600').split(',').map(Number);
  if (!Number.isFinite(idle) || !Number.isFinite(load))
    throw new Error(
      `KDF_WATCH_SOAK_SECONDS: '${process.env.KDF_WATCH_SOAK_SECONDS}' is not IDLE,LOAD`,
    );
  return { idleS: idle!, loadS: load! };
}

/** agent.json staging directories, removed after the file's tests */
const configDirs: string[] = [];
afterAll(() => {
  for (const d of configDirs) rmSync(d, { recursive: true, force: true });
});

/** The guest agent's disk files, plus its agent.json (no collector: --no-heartbeat). */
function diskFiles(): Record<string, string> {
  const dir = mkdtempSync(join(cacheDir, 'watch-config-'));
  configDirs.push(dir);
  const config = join(dir, 'agent.json');
  writeFileSync(
    config,
    guestAgentConfig({ node: 'kdlab-watch', uploadToken: 'unused-no-heartbeats' }),
  );
  return { ...agentDiskFiles('6.1'), '/kdlab/agent.json': config };
}

interface WatchOut {
  verdicts: WatchVerdict[];
  events: WatchEvent[];
  err: string;
  files: Record<string, string>;
}

/** /kdlab/out from the kept guest disk (e2fsprogs debugfs, no root, no mount). */
function readOut(r: LabResult): WatchOut {
  const files: Record<string, string> = {};
  if (r.disk) spawnSync('debugfs', ['-R', `rdump ${WATCH_OUT_DIR} ${r.runDir}`, r.disk]);
  const dir = join(r.runDir, 'out');
  const read = (name: string) => {
    const f = join(dir, name);
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    files[name] = text;
    return text;
  };
  const verdicts = parseVerdicts(read('watch.jsonl'));
  const events = parseEvents(read('events'));
  return { verdicts, events, err: read('watch.err'), files };
}

function cleanup(r: LabResult): void {
  if (!KEEP) rmSync(r.runDir, { recursive: true, force: true });
}

/**
 * The action boot as the lab sees it: a crash whose log must show the sysrq crash and the
 * watcher's evidence before it (the trigger line is for the lab's timing only).
 */
const WATCH_ACTION: CrashScenario = {
  kind: 'crash',
  name: 'watch-action',
  settings: {},
  trigger: 'rtnl',
  background: false,
  expect: () => ({
    kind: 'sysrq',
    report: [
      /kdumpfleet-watch: undead since \S+: [^;]*\brtnl\b[^;]* stuck; undead for \d+ s \(crash after \d+ s\); kdump ready/,
      /kdumpfleet-watch: rtnl: stuck at ip link set lo mtu \d+/,
      /sysrq: Trigger a crash/,
      /Kernel panic - not syncing: sysrq triggered crash/,
    ],
  }),
};

const guestRun = (name: string): GuestScenario => ({
  kind: 'hang',
  name,
  checks: [],
  script: () => '',
});

function summary(v: WatchVerdict): string {
  const stuck = v.probes.filter((p) => p.status !== 'ok');
  return `${v.at} ${v.verdict} ${stuck.map((p) => `${p.probe}=${p.status}${p.stuckAt ? `@${p.stuckAt}` : ''}`).join(' ')}`;
}

/** The soak windows: every round alive; prints the healthy probe times. */
function expectSoakAlive(out: WatchOut, label: string): void {
  const idle = roundsBetween(out.verdicts, out.events, 'soak-idle-start', 'soak-idle-end');
  const load = roundsBetween(out.verdicts, out.events, 'soak-load-start', 'soak-load-end');
  console.log(
    `${label}: idle ${idle.length} rounds (median/max per probe: ${formatTimings(probeTimings(idle))})\n` +
      `${label}: load ${load.length} rounds (${formatTimings(probeTimings(load))})`,
  );
  expect(idle.length, 'rounds during the idle soak').toBeGreaterThan(0);
  expect(load.length, 'rounds during the loaded soak').toBeGreaterThan(0);
  expect(idle.filter((v) => v.verdict !== 'alive').map(summary), 'idle: no undead').toEqual([]);
  expect(load.filter((v) => v.verdict !== 'alive').map(summary), 'load: no undead').toEqual([]);
}

describe.skipIf(!canRun)('kdumpfleet watch in the crash lab (6.1)', () => {
  it('soak stays alive; each kfault soft hang is named within two intervals; alive after release', async () => {
    const started = Date.now();
    const r = await runLab({
      kernel: '6.1',
      scenarios: [guestRun('watch-hangs')],
      runScript: watchHangScript(WATCH_HANGS, TIMING, SHORT_SOAK),
      diskFiles: diskFiles(),
      diskSize: '512M',
      keep: true,
      timeoutSeconds: 900,
    });
    try {
      const out = readOut(r);
      console.log(
        `lab watch hangs: ${r.seconds} s; ${r.boots.map((b) => `${b.boot} ${b.seconds}s`).join('; ')}\n` +
          r.kdlab.filter((l) => /^(watch|node)/.test(l)).join('\n'),
      );
      expect(r.guest?.panicked, 'no panic').toBe(false);
      expect(r.guest?.finished, 'the guest script ran to its end').toBe(true);
      expect(out.events.map((e) => e.name)).toContain('first-round');
      expectSoakAlive(out, 'lab watch');
      const outcomes = WATCH_HANGS.map((h) => judgeHang(h, out.events, out.verdicts));
      for (const o of outcomes)
        console.log(
          `lab watch: ${o.hang.padEnd(10)} → ${o.probe.padEnd(13)} named after ${o.detectSeconds ?? '-'} s at '${o.stuckAt ?? '-'}'` +
            `${o.alsoStuck.length ? ` (also stuck: ${o.alsoStuck.join(', ')})` : ''}; alive ${o.aliveSeconds ?? '-'} s after release`,
        );
      for (const o of outcomes) {
        const rounds = out.verdicts
          .filter((v) => o.triggeredAt !== null && Date.parse(v.at) / 1000 >= o.triggeredAt)
          .slice(0, 6)
          .map(summary)
          .join('\n');
        expect(o.detected, `${o.hang}: a round naming ${o.probe}\n${rounds}`).not.toBeNull();
        expect(o.stuckAt, `${o.hang}: stuckAt`).toMatch(o.expectedStuckAt);
        // +1: the trigger time has whole seconds
        expect(o.detectSeconds, `${o.hang}: named within two intervals`).toBeLessThanOrEqual(
          2 * TIMING.intervalS + 1,
        );
        expect(o.aliveAgain, `${o.hang}: alive again after the release\n${rounds}`).not.toBeNull();
      }
      // A probe stuck on its own: the same findings must not be in any round before the first hang.
      const firstTrigger = out.events.find((e) => e.name === 'trigger')?.epoch ?? Infinity;
      const before = out.verdicts.filter((v) => Date.parse(v.at) / 1000 < firstTrigger);
      expect(
        before.filter((v) => v.verdict !== 'alive').map(summary),
        'undead before any hang',
      ).toEqual([]);
      const cost = out.verdicts.at(-1)?.cost;
      console.log(
        `lab watch: watcher cost at the end ${JSON.stringify(cost)}; test ${Math.round((Date.now() - started) / 1000)} s`,
      );
    } finally {
      cleanup(r);
    }
  }, 900_000);

  it('--action crash: refused without a capture kernel; after arm, evidence in the kernel log, sysrq crash, dump', async () => {
    const r = await runLab({
      kernel: '6.1',
      scenarios: [WATCH_ACTION],
      loadCaptureKernel: false,
      runScript: watchActionScript(TIMING, CRASH_AFTER_S),
      diskFiles: diskFiles(),
      diskSize: '512M',
      keep: true,
      timeoutSeconds: 600,
    });
    try {
      const out = readOut(r);
      console.log(
        `lab watch action: ${r.seconds} s; ${r.boots.map((b) => `${b.boot} ${b.seconds}s ${JSON.stringify(b.markers)}`).join('; ')}\n` +
          r.kdlab.filter((l) => /^(watch|node|capture|trigger|no crash)/.test(l)).join('\n'),
      );
      const names = out.events.map((e) => `${e.name} ${e.hang}`);
      // 1. no capture kernel: due, but refused with the reason; the guest went on (no crash)
      expect(names).toContain('refused rtnl');
      const refused = out.verdicts.find((v) => v.action?.state === 'refused');
      expect(refused?.action?.mode).toBe('crash');
      expect(refused?.stuck).toContain('rtnl');
      expect(refused?.action?.reasons.join('\n')).toMatch(/capture-kernel-loaded/);
      console.log(
        `lab watch action: refused: ${refused?.action?.detail}\n  ${refused?.action?.reasons.join('\n  ')}`,
      );
      expect(names).toContain('alive rtnl');
      expect(out.files['watch.err']).toMatch(/watch-action-refused/);
      // 2. after arm: the capture kernel ran, and the dump's log holds the evidence
      expect(r.kdlab).toContain('watch arm exit 0 kexec crash loaded 1');
      expect(names, 'the guest crashed before giving up').not.toContain('no-crash rtnl-fire');
      expect(r.kdlab, 'the capture kernel wrote the dump').toContainEqual(
        expect.stringMatching(/^capture ok \/var\/crash\/\d{12}\/dump\.\d{12} \d+ bytes$/),
      );
      expect(r.dmesg).toMatch(/\/crash\/(\d{12})\/dmesg\.\1$/);
      expect(
        r.crash?.missing,
        "the capture kernel's dmesg shows the evidence and the sysrq crash",
      ).toEqual([]);
      const dmesg = readFileSync(r.dmesg ?? '', 'utf8');
      const evidence = dmesg.split('\n').filter((l) => l.includes('kdumpfleet-watch: '));
      console.log(
        `lab watch action: ${evidence.length} evidence lines in dmesg, first:\n${evidence.slice(0, 4).join('\n')}`,
      );
      // the evidence precedes the crash
      expect(dmesg.indexOf('kdumpfleet-watch: ')).toBeLessThan(
        dmesg.indexOf('sysrq: Trigger a crash'),
      );
      // our own reader of the dump finds the same lines, and calls it a sysrq crash
      const t = await triageDump(r.dump ?? '');
      if (!t.ran) throw new Error(`triage did not run: ${t.reason}`);
      expect(t.kind).toBe('sysrq');
      const log = spawnSync(process.execPath, [agentCli, 'triage', r.dump ?? '', '--dmesg'], {
        encoding: 'latin1',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(log.status, log.stderr).toBe(0);
      for (const line of evidence.slice(0, 10))
        expect(log.stdout).toContain(line.replace(/^\[[^\]]*\]\s*/, ''));
    } finally {
      cleanup(r);
    }
  }, 700_000);

  it.runIf(FULL)(
    'no false alarm: a long idle soak and a long loaded soak give no undead (LAB_FULL=1)',
    async () => {
      const soak = fullSoak();
      const r = await runLab({
        kernel: '6.1',
        scenarios: [guestRun('watch-soak')],
        runScript: watchHangScript([], SOAK_TIMING, soak),
        diskFiles: diskFiles(),
        diskSize: '512M',
        keep: true,
        timeoutSeconds: soak.idleS + soak.loadS + 300,
      });
      try {
        const out = readOut(r);
        expect(r.guest?.panicked, 'no panic').toBe(false);
        expect(r.guest?.finished, 'the guest script ran to its end').toBe(true);
        expectSoakAlive(out, `lab watch soak ${soak.idleS}+${soak.loadS} s`);
        expect(out.verdicts.filter((v) => v.verdict !== 'alive').map(summary)).toEqual([]);
        console.log(
          `lab watch soak: ${out.verdicts.length} rounds, all alive; cost at the end ${JSON.stringify(out.verdicts.at(-1)?.cost)}`,
        );
      } finally {
        cleanup(r);
      }
    },
    3_600_000,
  );
});
