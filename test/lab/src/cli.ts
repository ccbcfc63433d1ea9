#!/usr/bin/env node
/**
 * npm run lab -- --kernel 6.1|6.12[,…] --scenario NAME[,…] [--keep] [--boot2] [--json]
 *
 * Boots Debian's cloud kernels in QEMU (TCG) and runs kfault scenarios: crashes are captured by
 * kdump into /var/crash/<stamp>/ on the guest disk and copied out; soft hangs and the control
 * checks are proven from inside the guest. Exit 0 when every run did what it must, 1 when one
 * did not, 2 on an error.
 */
import { parseArgs } from 'node:util';
import { isLabKernel, LAB_KERNELS, type LabKernel } from './kernels.js';
import { planBoots, runLab, type LabResult } from './lab.js';
import {
  ALL_SCENARIOS,
  CRASH_SCENARIOS,
  findScenario,
  HANG_SECONDS,
  HANG_SCENARIOS,
  type Scenario,
} from './index.js';

const USAGE =
  'usage: npm run lab -- [--kernel 6.1,6.12] --scenario NAME[,NAME…]|crash|hangs|all [--keep] [--boot2] [--json] | --list';

function scenariosFrom(spec: string): Scenario[] {
  const out: Scenario[] = [];
  for (const name of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (name === 'all') out.push(...ALL_SCENARIOS);
    else if (name === 'crash') out.push(...CRASH_SCENARIOS);
    else if (name === 'hangs') out.push(...HANG_SCENARIOS);
    else {
      const s = findScenario(name);
      if (!s) throw new Error(`unknown scenario '${name}' (--list shows them)`);
      out.push(s);
    }
  }
  return out;
}

function ok(r: LabResult): boolean {
  if (r.crash) return r.crash.ok && r.dump !== null && (r.boot2?.ok ?? true);
  return r.guest?.ok ?? false;
}

function summary(r: LabResult): string {
  const t = r.boots.map((b) => `${b.boot} ${b.seconds} s`).join(', ');
  const lines = [`${ok(r) ? 'ok  ' : 'FAIL'} ${r.kernel} ${r.scenario}: ${t}`];
  if (r.crash) {
    lines.push(
      `     dump ${r.dump ?? '(none)'}`,
      `     expected kind ${r.crash.kind}${r.crash.note ? ` (${r.crash.note})` : ''}`,
    );
    for (const m of r.crash.missing) lines.push(`     log lacks /${m}/`);
  }
  if (r.guest) {
    for (const c of r.guest.failed) lines.push(`     check ${c.name} failed ${c.detail}`);
    for (const m of r.guest.missing) lines.push(`     check ${m} never reported`);
    if (r.guest.panicked) lines.push('     the guest panicked');
  }
  if (r.boot2) lines.push(`     boot2 found ${r.boot2.found.join(' ') || 'nothing'}`);
  lines.push(`     console ${r.console}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kernel: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      keep: { type: 'boolean', default: false },
      boot2: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of ALL_SCENARIOS) console.log(`${s.kind.padEnd(7)} ${s.name}`);
    console.log(
      `(hangs last ${HANG_SECONDS} s in the lab; kernels: ${Object.keys(LAB_KERNELS).join(', ')})`,
    );
    return 0;
  }
  if (!values.scenario?.length) throw new Error(USAGE);
  const kernels = (values.kernel ?? ['6.1,6.12']).flatMap((k) => k.split(',')).map((k) => k.trim());
  for (const k of kernels)
    if (!isLabKernel(k)) throw new Error(`unknown kernel '${k}' (6.1 or 6.12)`);
  const scenarios = scenariosFrom(values.scenario.join(','));
  let failures = 0;
  for (const kernel of kernels as LabKernel[]) {
    for (const group of planBoots(scenarios)) {
      const boot2 = values.boot2 && group[0]?.kind === 'crash';
      const r = await runLab({ kernel, scenarios: group, keep: values.keep, boot2 });
      if (!ok(r)) failures++;
      if (values.json)
        process.stdout.write(
          JSON.stringify({ ...r, kernel: r.release, lab: r.kernel, ok: ok(r) }) + '\n',
        );
      else console.log(summary(r));
    }
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
