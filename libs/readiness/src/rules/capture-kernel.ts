import { humanBytes } from '../crashkernel/size.js';
import { describe } from '../snapshot/field.js';
import { fail, pass, skip, unknown, warn, type Rule } from './rule.js';

export const captureKernelLoaded: Rule = {
  id: 'capture-kernel-loaded',
  title: 'capture kernel loaded',
  severity: 'error',
  remediation: 'kdumpfleet arm (or: systemctl restart kdump-tools / kdumpctl restart)',
  evaluate({ snap, facts }) {
    const ev = [describe(snap.kexecCrashLoaded), describe(snap.fadump.registered)];
    if (facts.fadumpActive) {
      if (snap.fadump.registered.value === true) return pass('fadump is registered', ev);
      return fail(
        'fadump is enabled but not registered',
        ev,
        'echo 1 > /sys/kernel/fadump/registered (or kdumpctl restart)',
      );
    }
    if (snap.kexecCrashLoaded.state === 'missing') {
      return unknown(
        '/sys/kernel/kexec_crash_loaded is missing: the kernel has no kdump support, or the tree lacks /sys',
        ev,
      );
    }
    if (snap.kexecCrashLoaded.state !== 'ok')
      return unknown(`cannot use ${describe(snap.kexecCrashLoaded)}`, ev);
    if (facts.captureLoaded) return pass('a capture kernel is loaded', ev);
    return fail('no capture kernel is loaded: a panic now would not be captured', ev);
  },
};

export const captureKernelFiles: Rule = {
  id: 'capture-kernel-files',
  title: 'capture kernel and initrd present',
  severity: 'error',
  remediation:
    'install the kernel image and rebuild the kdump initrd (kdump-config load / kdumpctl rebuild)',
  evaluate({ snap, facts }) {
    const c = snap.capture;
    const ev = [
      describe(c.kernel, (v) => humanBytes(v.size)),
      describe(c.initrd, (v) => humanBytes(v.size)),
    ];
    if (facts.fadumpActive) return skip('fadump boots the normal kernel', ev);
    const missing = [
      c.kernel.state !== 'ok' ? c.kernelPath : null,
      c.initrd.state !== 'ok' ? c.initrdPath : null,
    ].filter(Boolean);
    if (missing.length === 0) return pass(`${c.kernelPath} and ${c.initrdPath} present`, ev);
    const msg = `capture ${missing.length === 2 ? 'kernel and initrd' : c.kernel.state !== 'ok' ? 'kernel' : 'initrd'} missing: ${missing.join(', ')}`;
    // Already loaded: today's dump works; the next load (reboot, kernel update) will fail.
    if (facts.captureLoaded)
      return warn(`${msg}; the loaded capture kernel works until the next reload`, ev);
    return fail(msg, ev);
  },
};

export const kernelRelocatable: Rule = {
  id: 'kernel-relocatable',
  title: 'relocatable kernel (CONFIG_RELOCATABLE)',
  severity: 'error',
  remediation: 'use a distribution kernel, or build with CONFIG_RELOCATABLE=y',
  evaluate({ snap, facts }) {
    const ev = [describe(snap.kernelConfig, (c) => `RELOCATABLE=${c.RELOCATABLE}`)];
    if (facts.fadumpActive) return skip('fadump boots the normal kernel at its usual address', ev);
    const v = snap.kernelConfig.value?.RELOCATABLE;
    if (v === undefined)
      return warn('kernel config not found; cannot tell whether the kernel is relocatable', ev);
    if (v === 'y') return pass('CONFIG_RELOCATABLE=y', ev);
    return fail(
      'the kernel is not relocatable: it cannot run from the crashkernel reservation',
      ev,
    );
  },
};
