import { describe, type Field } from '../snapshot/field.js';
import { fail, pass, warn, type Rule, type RuleOutcome } from './rule.js';

const DROP_IN = '/etc/sysctl.d/90-kdumpfleet.conf';
/** `kdumpfleet configure` writes the default knobs; opt-in ones need `--panic-on <name>`. */
const sysctlFix = (kv: string, panicOn?: string) =>
  `kdumpfleet configure${panicOn ? ` --panic-on ${panicOn}` : ''} (writes ${kv} to ${DROP_IN})`;

function knob(
  f: Field<number>,
  name: string,
  good: (v: number) => boolean,
  bad: string,
  goodMsg: string,
): RuleOutcome {
  const ev = [describe(f)];
  if (f.state !== 'ok' || f.value === null) return warn(`cannot use ${name}: ${describe(f)}`, ev);
  return good(f.value)
    ? pass(goodMsg.replace('%v', String(f.value)), ev)
    : fail(bad.replace('%v', String(f.value)), ev);
}

export const panicOnOops: Rule = {
  id: 'panic-on-oops',
  title: 'an oops panics (kernel.panic_on_oops)',
  severity: 'error',
  remediation: sysctlFix('kernel.panic_on_oops = 1'),
  evaluate({ snap, policy }) {
    const out = knob(
      snap.sysctl['kernel/panic_on_oops'],
      'panic_on_oops',
      (v) => v !== 0,
      'panic_on_oops=0: an oops kills one task and the host runs on broken; no dump is taken',
      'panic_on_oops=%v',
    );
    return policy.requirePanicOnOops ? out : { ...out, severity: 'warning' };
  },
};

export const softlockupPanic: Rule = {
  id: 'softlockup-panic',
  title: 'a soft lockup panics (kernel.softlockup_panic)',
  severity: 'warning',
  remediation: sysctlFix('kernel.softlockup_panic = 1', 'softlockup'),
  evaluate({ snap, policy }) {
    const out = knob(
      snap.sysctl['kernel/softlockup_panic'],
      'softlockup_panic',
      (v) => v !== 0,
      'softlockup_panic=0: a CPU stuck in the kernel is only logged, never dumped',
      'softlockup_panic=%v',
    );
    return policy.requireSoftlockupPanic ? { ...out, severity: 'error' } : out;
  },
};

export const hungTaskPanic: Rule = {
  id: 'hung-task-panic',
  title: 'a hung task panics (kernel.hung_task_panic)',
  severity: 'warning',
  remediation: sysctlFix('kernel.hung_task_panic = 1', 'hung-task'),
  evaluate({ snap, policy }) {
    const p = snap.sysctl['kernel/hung_task_panic'];
    const t = snap.sysctl['kernel/hung_task_timeout_secs'];
    const ev = [describe(p), describe(t)];
    let out: RuleOutcome;
    if (p.state !== 'ok')
      out = warn(
        `cannot read hung_task_panic (${p.detail}); kernel may lack CONFIG_DETECT_HUNG_TASK`,
        ev,
      );
    else if (t.state === 'ok' && t.value === 0)
      out = fail(
        'hung_task_timeout_secs=0: hung tasks are not detected at all',
        ev,
        sysctlFix('kernel.hung_task_timeout_secs = 120', 'hung-task'),
      );
    else if (p.value === 0)
      out = fail(
        'hung_task_panic=0: a task stuck in D state (hung disk, NFS) is only logged, never dumped',
        ev,
      );
    else out = pass(`hung_task_panic=${p.value}`, ev);
    return policy.requireHungTaskPanic ? { ...out, severity: 'error' } : out;
  },
};

export const hardlockupPanic: Rule = {
  id: 'hardlockup-panic',
  title: 'a hard lockup panics (NMI watchdog + kernel.hardlockup_panic)',
  severity: 'warning',
  remediation: sysctlFix('kernel.nmi_watchdog = 1 and kernel.hardlockup_panic = 1', 'hardlockup'),
  evaluate({ snap }) {
    const w = snap.sysctl['kernel/nmi_watchdog'];
    const p = snap.sysctl['kernel/hardlockup_panic'];
    const ev = [describe(w), describe(p)];
    if (w.state === 'missing')
      return warn('no NMI watchdog in this kernel (or VM): hard lockups are not detected', ev);
    if (w.state !== 'ok') return warn(`cannot read nmi_watchdog (${w.detail})`, ev);
    if (w.value === 0)
      return fail('nmi_watchdog=0: hard lockups are not detected, so never dumped', ev);
    if (p.state === 'ok' && p.value === 0)
      return fail('hardlockup_panic=0: a hard lockup is only logged, never dumped', ev);
    return pass('NMI watchdog on, hard lockups panic', ev);
  },
};

export const panicOnOom: Rule = {
  id: 'panic-on-oom',
  title: 'out-of-memory panics (vm.panic_on_oom)',
  severity: 'info',
  remediation:
    sysctlFix('vm.panic_on_oom = 1', 'oom') +
    ' if OOMs must be dumped (the OOM killer then no longer saves the host)',
  evaluate({ snap, policy }) {
    const out = knob(
      snap.sysctl['vm/panic_on_oom'],
      'panic_on_oom',
      (v) => v !== 0,
      'panic_on_oom=0: the OOM killer handles out-of-memory; no dump',
      'panic_on_oom=%v',
    );
    return policy.requirePanicOnOom ? { ...out, severity: 'error' } : out;
  },
};

export const panicTimeout: Rule = {
  id: 'panic-timeout',
  title: 'reboot after a panic (kernel.panic)',
  severity: 'warning',
  remediation: sysctlFix('kernel.panic = 10'),
  evaluate({ snap }) {
    return knob(
      snap.sysctl['kernel/panic'],
      'kernel.panic',
      (v) => v !== 0,
      'kernel.panic=0: if the capture fails the host hangs at the panic forever instead of rebooting',
      'kernel.panic=%v',
    );
  },
};

export const panicOnWarn: Rule = {
  id: 'panic-on-warn',
  title: 'WARN() does not panic (kernel.panic_on_warn)',
  severity: 'info',
  remediation: 'set kernel.panic_on_warn = 0 unless you want every kernel warning dumped',
  evaluate({ snap }) {
    return knob(
      snap.sysctl['kernel/panic_on_warn'],
      'panic_on_warn',
      (v) => v === 0,
      'panic_on_warn=%v: every kernel WARN() crashes the host',
      'panic_on_warn=0',
    );
  },
};

export const nmiPanic: Rule = {
  id: 'nmi-panic',
  title: 'an NMI from the BMC or hypervisor panics',
  severity: 'info',
  remediation:
    sysctlFix('kernel.unknown_nmi_panic = 1', 'nmi') +
    ' so a hung host can be dumped with an NMI (ipmitool chassis power diag, virsh inject-nmi)',
  evaluate({ snap }) {
    const keys = [
      'kernel/unknown_nmi_panic',
      'kernel/panic_on_unrecovered_nmi',
      'kernel/panic_on_io_nmi',
    ] as const;
    const fs = keys.map((k) => snap.sysctl[k]);
    const ev = fs.map((f) => describe(f));
    if (fs.every((f) => f.state !== 'ok'))
      return warn('NMI panic knobs not readable (not x86?)', ev);
    if (fs.some((f) => f.state === 'ok' && (f.value ?? 0) !== 0)) return pass('an NMI panics', ev);
    return fail('an NMI does not panic: a fully hung host cannot be dumped from outside', ev);
  },
};

export const sysrqCrash: Rule = {
  id: 'sysrq-crash',
  title: 'sysrq-c allowed from the console (kernel.sysrq)',
  severity: 'info',
  remediation:
    sysctlFix('kernel.sysrq = 1', 'sysrq') +
    ' (or a mask with 8) so an operator at the keyboard or serial console can trigger a dump',
  evaluate({ snap }) {
    // The mask (SYSRQ_ENABLE_DUMP = 8; 1 enables everything) gates only the keyboard and serial
    // console: root's writes to /proc/sysrq-trigger skip it (write_sysrq_trigger calls
    // __handle_sysrq(c, false)), so drills and `watch --action crash` work whatever it says.
    return knob(
      snap.sysctl['kernel/sysrq'],
      'sysrq',
      (v) => v === 1 || (v & 8) !== 0,
      'kernel.sysrq=%v: sysrq-c (crash) is disabled at the console (/proc/sysrq-trigger still works)',
      'kernel.sysrq=%v allows sysrq-c at the console',
    );
  },
};
