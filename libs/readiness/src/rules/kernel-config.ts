import { describe } from '../snapshot/field.js';
import { fail, pass, warn, type Rule } from './rule.js';

export const kernelConfigKdump: Rule = {
  id: 'kernel-config-kdump',
  title: 'kernel built with kexec and crash dump support',
  severity: 'error',
  remediation:
    'use a kernel with CONFIG_KEXEC or CONFIG_KEXEC_FILE, CONFIG_CRASH_DUMP and CONFIG_PROC_VMCORE',
  evaluate({ snap, facts }) {
    const c = snap.kernelConfig.value;
    const ev = [
      describe(snap.kernelConfig, (v) =>
        Object.entries(v)
          .map(([k, x]) => `${k}=${x}`)
          .join(' '),
      ),
    ];
    if (!c)
      return warn(
        `kernel config not readable (${snap.kernelConfig.detail}); cannot check kexec/crash dump support`,
        ev,
      );
    const missing: string[] = [];
    if (!facts.fadumpActive && c.KEXEC !== 'y' && c.KEXEC_FILE !== 'y')
      missing.push('KEXEC or KEXEC_FILE');
    if (c.CRASH_DUMP !== 'y' && !facts.fadumpActive) missing.push('CRASH_DUMP');
    if (c.PROC_VMCORE !== 'y') missing.push('PROC_VMCORE');
    if (missing.length)
      return fail(`kernel built without ${missing.map((m) => `CONFIG_${m}`).join(', ')}`, ev);
    return pass('kexec and crash dump support built in', ev);
  },
};
