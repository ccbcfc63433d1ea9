import { describe } from '../snapshot/field.js';
import { fail, pass, skip, type Rule } from './rule.js';

export const fadump: Rule = {
  id: 'fadump',
  title: 'firmware-assisted dump (ppc64)',
  severity: 'error',
  remediation:
    'add fadump=on (and crashkernel= or fadump_reserve_mem=) to the command line on a PowerVM/OPAL host, then reboot',
  evaluate({ snap, facts }) {
    const ev = [
      describe(snap.fadump.enabled),
      describe(snap.fadump.registered),
      describe(snap.arch),
    ];
    const asked = (snap.cmdline.value ?? []).some((a) => a === 'fadump=on');
    if (!facts.isPpc && !asked) return skip('not a ppc64 host', ev);
    if (!asked && !facts.fadumpActive) return skip('fadump not requested; kdump is used', ev);
    if (asked && snap.fadump.enabled.value !== true) {
      return fail(
        'fadump=on was asked but the kernel did not enable it (firmware without fadump support?)',
        ev,
      );
    }
    if (snap.fadump.registered.value !== true)
      return fail(
        'fadump is enabled but not registered with firmware',
        ev,
        'echo 1 > /sys/kernel/fadump/registered',
      );
    return pass('fadump enabled and registered', ev);
  },
};
