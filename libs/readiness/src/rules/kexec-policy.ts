import { describe } from '../snapshot/field.js';
import { fail, pass, skip, warn, type Rule, type RuleOutcome } from './rule.js';

const RELOAD_WARNING =
  'the loaded capture kernel works, but it cannot be reloaded (kernel update, config change) until reboot';

export const kexecLoadDisabled: Rule = {
  id: 'kexec-load-disabled',
  title: 'kexec loading allowed (kernel.kexec_load_disabled)',
  severity: 'error',
  remediation:
    'kernel.kexec_load_disabled can only be cleared by a reboot: remove it from /etc/sysctl.d, reboot, arm kdump before anything sets it',
  evaluate({ snap, facts }) {
    const f = snap.sysctl['kernel/kexec_load_disabled'];
    const ev = [describe(f)];
    if (facts.fadumpActive) return skip('fadump does not use kexec', ev);
    if (f.state !== 'ok') return warn(`cannot read kexec_load_disabled (${f.detail})`, ev);
    if (f.value === 0) return pass('kexec_load_disabled=0', ev);
    if (facts.captureLoaded) return warn(`kexec_load_disabled=1: ${RELOAD_WARNING}`, ev);
    return fail('kexec_load_disabled=1: no capture kernel can be loaded until reboot', ev);
  },
};

export const kexecLoadLimit: Rule = {
  id: 'kexec-load-limit',
  title: 'kexec crash loads left (kernel.kexec_load_limit_panic)',
  severity: 'error',
  remediation:
    'the limit only goes down; reboot to reset it (and raise it in /etc/sysctl.d if set on purpose)',
  evaluate({ snap, facts }) {
    const f = snap.sysctl['kernel/kexec_load_limit_panic'];
    const ev = [describe(f)];
    if (f.state === 'missing')
      return skip(
        'no kexec_load_limit_panic (kernel before 6.6 or without kexec): no load limit',
        ev,
      );
    if (f.state !== 'ok') return warn(`cannot read kexec_load_limit_panic (${f.detail})`, ev);
    if (f.value !== 0) return pass(f.value === -1 ? 'no limit' : `${f.value} loads left`, ev);
    if (facts.captureLoaded) return warn(`kexec_load_limit_panic=0: ${RELOAD_WARNING}`, ev);
    return fail('kexec_load_limit_panic=0: no more capture kernel loads until reboot', ev);
  },
};

function loadMethodOutcome(
  active: boolean,
  what: string,
  fileLoad: boolean,
  why: string,
  kexecFile: string | undefined,
  loaded: boolean | null,
  ev: string[],
  fix: string,
): RuleOutcome {
  if (!active) return pass(`${what}: not enforced`, ev);
  if (kexecFile === 'n')
    return fail(
      `${what} allows only kexec_file_load, and this kernel has CONFIG_KEXEC_FILE off`,
      ev,
      'use a kernel with CONFIG_KEXEC_FILE=y',
    );
  if (fileLoad) return pass(`${what}: kexec_file_load will be used (${why})`, ev);
  const msg = `${what} refuses kexec_load, and ${why}: loading will fail with EPERM; use kexec -s (kexec_file_load, signed kernel)`;
  return loaded ? warn(`${msg} at the next reload`, ev, fix) : fail(msg, ev, fix);
}

function fixFor(flavor: string | undefined): string {
  switch (flavor) {
    case 'debian':
      return 'add -s to KDUMP_KEXEC_ARGS in /etc/default/kdump-tools, then kdump-config reload';
    case 'rhel':
      return 'add -s to KEXEC_ARGS in /etc/sysconfig/kdump (remove -c), then kdumpctl restart';
    case 'suse':
      return 'add -s to KEXEC_OPTIONS in /etc/sysconfig/kdump, then systemctl restart kdump';
    default:
      return 'load with kexec -s -p (kdumpfleet arm does this under lockdown and secure boot)';
  }
}

export const lockdownLoadMethod: Rule = {
  id: 'lockdown-load-method',
  title: 'kernel lockdown vs kexec load method',
  severity: 'error',
  remediation: fixFor(undefined),
  evaluate({ snap, facts }) {
    const ev = [
      describe(snap.lockdown, (l) => l.mode),
      describe(snap.securelevel),
      facts.fileLoadWhy,
    ];
    if (facts.fadumpActive) return skip('fadump does not use kexec', ev);
    const active = facts.lockdownMode !== 'none' || facts.securelevelOn;
    const what =
      facts.securelevelOn && facts.lockdownMode === 'none'
        ? 'securelevel=1'
        : `lockdown=${facts.lockdownMode}`;
    return loadMethodOutcome(
      active,
      what,
      facts.fileLoad,
      facts.fileLoadWhy,
      snap.kernelConfig.value?.KEXEC_FILE,
      facts.captureLoaded,
      ev,
      fixFor(snap.kdump?.flavor),
    );
  },
};

export const secureBootLoadMethod: Rule = {
  id: 'secure-boot-load-method',
  title: 'UEFI secure boot vs kexec load method',
  severity: 'error',
  remediation: fixFor(undefined),
  evaluate({ snap, facts }) {
    const ev = [describe(snap.secureBoot), describe(snap.setupMode), facts.fileLoadWhy];
    if (facts.fadumpActive) return skip('fadump does not use kexec', ev);
    const out = loadMethodOutcome(
      facts.secureBootOn,
      'secure boot',
      facts.fileLoad,
      facts.fileLoadWhy,
      snap.kernelConfig.value?.KEXEC_FILE,
      facts.captureLoaded,
      ev,
      fixFor(snap.kdump?.flavor),
    );
    if (out.status === 'pass' && facts.secureBootOn) {
      out.evidence.push(
        'under secure boot the capture kernel must be signed by a trusted key (KEXEC_SIG)',
      );
    }
    return out;
  },
};
