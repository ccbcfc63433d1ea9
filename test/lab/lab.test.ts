/**
 * The QEMU crash lab as a test: kfault builds warning-free against both Debian header sets, and
 * real guests crash, get captured by kdump and prove the soft hangs. `npm test` runs a subset
 * that fits CI (every crash kind on 6.1, a few on 6.12, every hang and the control checks on
 * 6.1); LAB_FULL=1 (`npm run test:lab:full`) runs the whole matrix on both kernels.
 * One QEMU at a time (2 shared cores); each run's directory is removed unless KDF_LAB_KEEP=1.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildKfault,
  CONTROL_SCENARIO,
  CRASH_SCENARIOS,
  HANG_SCENARIOS,
  LAB_KERNELS,
  runLab,
  triageDump,
  type LabKernel,
  type LabResult,
} from './src/index.js';
import { missingLabTools } from './src/prerequisites.js';

const FULL = process.env.LAB_FULL === '1';
const KEEP = process.env.KDF_LAB_KEEP === '1';

const missingTools = missingLabTools();
const canRun = missingTools === null;
if (missingTools) console.warn(`lab tests skipped: ${missingTools}`);

const KERNELS = Object.keys(LAB_KERNELS) as LabKernel[];
/** 6.12 in the default subset: a page fault, a detector on preemption, a detector on sleep. */
const SUBSET_612 = ['oops', 'softlockup', 'hung-task'];
const crashRuns = KERNELS.flatMap((kernel) =>
  CRASH_SCENARIOS.filter((s) => FULL || kernel === '6.1' || SUBSET_612.includes(s.name)).map(
    (scenario) => [`${kernel} ${scenario.name}`, { kernel, scenario }] as const,
  ),
);
const hangKernels: LabKernel[] = FULL ? KERNELS : ['6.1'];

const timings: string[] = [];
function record(r: LabResult): void {
  timings.push(
    `${r.kernel.padEnd(4)} ${r.scenario.padEnd(44)} ${r.boots.map((b) => `${b.boot} ${b.seconds}s ${JSON.stringify(b.markers)}`).join('; ')}`,
  );
  if (!KEEP) rmSync(r.runDir, { recursive: true, force: true });
}
afterAll(() => {
  if (timings.length) console.log(`lab timings (seconds from QEMU start):\n${timings.join('\n')}`);
});

describe.skipIf(!canRun)('kfault builds', () => {
  it.each(KERNELS)(
    'builds with no warnings (W=1) against the %s headers',
    async (kernel) => {
      const ko = await buildKfault(kernel);
      const log = readFileSync(join(dirname(ko), 'build.log'), 'utf8');
      expect(log).toMatch(/LD \[M\].*kfault\.ko/);
      expect(log.split('\n').filter((l) => /warning:/.test(l))).toEqual([]);
      const vermagic = spawnSync('modinfo', ['-F', 'vermagic', ko], { encoding: 'utf8' }).stdout;
      expect(vermagic.split(' ')[0]).toBe(LAB_KERNELS[kernel].release);
    },
    300_000,
  );
});

describe.skipIf(!canRun)('crash scenarios: kdump capture into /var/crash/<stamp>/', () => {
  it.each(crashRuns)(
    '%s',
    async (_label, { kernel, scenario }) => {
      // One run also boots the disk again, as the host would after the crash.
      const boot2 = kernel === '6.1' && scenario.name === 'oops';
      const r = await runLab({ kernel, scenarios: [scenario], boot2 });
      try {
        expect(r.kdlab, 'the capture kernel wrote the dump').toContainEqual(
          expect.stringMatching(/^capture ok \/var\/crash\/\d{12}\/dump\.\d{12} \d+ bytes$/),
        );
        expect(r.dump).toMatch(/\/crash\/(\d{12})\/dump\.\1$/);
        expect(r.dmesg).toMatch(/\/crash\/(\d{12})\/dmesg\.\1$/);
        expect(r.crash?.missing, `the dump's log shows the ${scenario.name} report`).toEqual([]);
        const log = readFileSync(r.dmesg ?? '', 'utf8');
        expect(log).toMatch(
          new RegExp(
            `kfault: trigger ${scenario.name} (\\(duration \\d+ s\\) )?by pid \\d+ \\(sh\\)`,
          ),
        );
        if (r.crash?.note) console.warn(`${kernel} ${scenario.name}: ${r.crash.note}`);
        if (boot2) {
          expect(r.boot2?.ok).toBe(true);
          expect(r.boot2?.found).toContain(r.dump?.replace(/^.*\/crash\//, '/var/crash/'));
        }
        const t = await triageDump(r.dump ?? '');
        if (!t.ran)
          console.warn(`${kernel} ${scenario.name}: triage kind check skipped: ${t.reason}`);
        else expect(t.kind, 'native triage kind').toBe(r.crash?.kind);
      } finally {
        record(r);
      }
    },
    420_000,
  );
});

describe.skipIf(!canRun)('soft hangs and control checks, proven inside the guest', () => {
  it.each(hangKernels)(
    '%s: control, then every soft hang: effect, release, no panic',
    async (kernel) => {
      const r = await runLab({ kernel, scenarios: [CONTROL_SCENARIO, ...HANG_SCENARIOS] });
      try {
        const g = r.guest;
        expect(g?.failed, 'failed checks').toEqual([]);
        expect(g?.missing, 'checks that never reported').toEqual([]);
        expect(g?.finished, 'the guest script ran to its end').toBe(true);
        expect(g?.panicked, 'no panic, no capture kernel').toBe(false);
        const expected = [CONTROL_SCENARIO, ...HANG_SCENARIOS].flatMap((s) => s.checks);
        expect(g?.checks.filter((c) => c.ok).map((c) => c.name)).toEqual(
          expect.arrayContaining(expected),
        );
      } finally {
        record(r);
      }
    },
    900_000,
  );
});
