import type { ReadinessReport } from '@kdumpfleet/contracts';
import {
  formatSize,
  parseCrashkernel,
  resolveCrashkernel,
  type HostFacts,
  type HostSnapshot,
} from '@kdumpfleet/readiness';
import { UsageError } from '../command.js';

export const GRUB_DROP_IN = '/etc/default/grub.d/kdumpfleet.cfg';
export const SYSCTL_DROP_IN = '/etc/sysctl.d/90-kdumpfleet.conf';

/** Opt-in panic triggers (`--panic-on a,b`): each can take a host down that would have lived on. */
export const PANIC_ON = ['softlockup', 'hung-task', 'hardlockup', 'oom', 'nmi', 'sysrq'] as const;
export type PanicOn = (typeof PANIC_ON)[number];

export interface ConfigureOptions {
  /** `auto`: recommended size when the current reservation is missing or too small; `keep`: never touch. */
  crashkernel: 'auto' | 'keep' | string;
  panicOn: PanicOn[];
}

export interface PlannedFile {
  path: string;
  content: string;
  /** Why each line is there, for the plan shown to the user. */
  reasons: string[];
  needsReboot: boolean;
}

export interface ConfigurePlan {
  files: PlannedFile[];
  /** Findings configure does not fix (other tools' files, runtime state), with their remediation. */
  notFixed: { id: string; message: string; remediation: string }[];
}

/** Which findings the two drop-ins fix. */
const FIXED_BY_GRUB = new Set([
  'crashkernel-requested',
  'crashkernel-reserved',
  'crashkernel-size',
]);
const FIXED_BY_SYSCTL: Record<string, PanicOn | 'default'> = {
  'panic-on-oops': 'default',
  'panic-timeout': 'default',
  'softlockup-panic': 'softlockup',
  'hung-task-panic': 'hung-task',
  'hardlockup-panic': 'hardlockup',
  'panic-on-oom': 'oom',
  'nmi-panic': 'nmi',
  'sysrq-crash': 'sysrq',
};

export function parsePanicOn(list: string | undefined): PanicOn[] {
  if (!list) return [];
  const out: PanicOn[] = [];
  for (const x of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(PANIC_ON as readonly string[]).includes(x))
      throw new UsageError(`--panic-on: unknown trigger '${x}' (one of ${PANIC_ON.join(', ')})`);
    out.push(x as PanicOn);
  }
  return out;
}

/**
 * The drop-ins this host should have. Deterministic given the host and the existing drop-ins
 * (their keys are kept), so a second run plans exactly what the first one wrote.
 */
export function planConfigure(
  snap: HostSnapshot,
  facts: HostFacts,
  report: ReadinessReport,
  existing: { grub: string | null; sysctl: string | null },
  opts: ConfigureOptions,
): ConfigurePlan {
  const files: PlannedFile[] = [];
  const grub = planGrub(facts, existing.grub, opts.crashkernel);
  if (grub) files.push(grub);
  files.push(planSysctl(snap, existing.sysctl, opts.panicOn));
  const fixedIds = new Set<string>();
  if (grub) for (const id of FIXED_BY_GRUB) fixedIds.add(id);
  for (const [id, by] of Object.entries(FIXED_BY_SYSCTL))
    if (by === 'default' || opts.panicOn.includes(by)) fixedIds.add(id);
  const notFixed = report.findings
    .filter((f) => f.severity !== 'info' && !fixedIds.has(f.id))
    .map(({ id, message, remediation }) => ({ id, message, remediation }));
  return { files, notFixed };
}

function planGrub(facts: HostFacts, existing: string | null, want: string): PlannedFile | null {
  if (want === 'keep' || facts.fadumpActive) return null;
  let value: string;
  const reasons: string[] = [];
  if (want !== 'auto') {
    try {
      parseCrashkernel(want);
    } catch (err) {
      throw new UsageError(`--crashkernel: ${(err as Error).message}`);
    }
    value = want;
    reasons.push(`crashkernel=${value} as asked`);
  } else {
    const prior = existing ? /crashkernel=(\S+?)"?$/m.exec(existing)?.[1] : undefined;
    const priorBytes = prior ? resolveCrashkernel([prior], facts.ramBytes).size : 0;
    const reservedOk =
      facts.reservedBytes !== null && facts.reservedBytes >= facts.sizing.neededBytes;
    if (prior && priorBytes >= facts.sizing.neededBytes) {
      value = prior;
      reasons.push(
        `keeps crashkernel=${prior} from the existing drop-in (≥ needed ${formatSize(facts.sizing.neededBytes)})`,
      );
    } else if (reservedOk && !existing) {
      return null;
    } else {
      value = formatSize(facts.sizing.recommendedBytes);
      reasons.push(
        `crashkernel=${value}: ${facts.reservedBytes ? `current ${formatSize(facts.reservedBytes)} is less than needed ${formatSize(facts.sizing.neededBytes)}` : 'nothing reserved now'}`,
      );
      reasons.push(...facts.sizing.explanation.map((e) => `  ${e}`));
    }
  }
  const content = [
    '# Written by kdumpfleet configure: memory for the kdump capture kernel.',
    '# grub.d files are sourced in name order, after kdump-tools.cfg: the last crashkernel= wins.',
    '# Takes effect after update-grub (or grub2-mkconfig) and a reboot.',
    `GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=${value}"`,
    '',
  ].join('\n');
  return { path: GRUB_DROP_IN, content, reasons, needsReboot: true };
}

function parseSysctlDropIn(text: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([a-z0-9_.]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

function planSysctl(snap: HostSnapshot, existing: string | null, panicOn: PanicOn[]): PlannedFile {
  const keys = parseSysctlDropIn(existing);
  const reasons: string[] = [];
  const set = (key: string, value: string, why: string) => {
    if (keys.get(key) !== value) reasons.push(`${key} = ${value}: ${why}`);
    keys.set(key, value);
  };
  const cur = (k: keyof HostSnapshot['sysctl']) => snap.sysctl[k].value;
  set('kernel.panic_on_oops', '1', 'an oops becomes a panic, so it is dumped');
  if (!keys.has('kernel.panic') && (cur('kernel/panic') ?? 0) === 0) {
    set('kernel.panic', '10', 'reboot 10 s after a panic whose capture failed, instead of hanging');
  }
  if (panicOn.includes('softlockup'))
    set('kernel.softlockup_panic', '1', 'a soft lockup is dumped');
  if (panicOn.includes('hung-task')) {
    set('kernel.hung_task_panic', '1', 'a task hung in D state is dumped');
    if (!keys.has('kernel.hung_task_timeout_secs') && cur('kernel/hung_task_timeout_secs') === 0) {
      set('kernel.hung_task_timeout_secs', '120', 'hung task detection was off');
    }
  }
  if (panicOn.includes('hardlockup')) {
    set('kernel.nmi_watchdog', '1', 'detect hard lockups');
    set('kernel.hardlockup_panic', '1', 'a hard lockup is dumped');
  }
  if (panicOn.includes('oom'))
    set('vm.panic_on_oom', '1', 'out-of-memory is dumped instead of OOM-killing');
  if (panicOn.includes('nmi'))
    set('kernel.unknown_nmi_panic', '1', 'an NMI from the BMC/hypervisor dumps a hung host');
  if (panicOn.includes('sysrq') && !keys.has('kernel.sysrq')) {
    const now = cur('kernel/sysrq');
    if (now !== 1)
      set(
        'kernel.sysrq',
        String((now ?? 0) | 8),
        'sysrq-c (crash) allowed from the keyboard and serial console',
      );
  }
  const content = [
    '# Written by kdumpfleet configure: turn failures into panics so kdump captures them.',
    ...[...keys.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  return { path: SYSCTL_DROP_IN, content, reasons, needsReboot: false };
}
