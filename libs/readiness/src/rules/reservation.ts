import { GiB, formatSize, humanBytes } from '../crashkernel/size.js';
import { describe } from '../snapshot/field.js';
import { fail, pass, skip, unknown, warn, type Rule } from './rule.js';

const CONFIGURE = 'kdumpfleet configure --crashkernel auto, then reboot';

export const crashkernelRequested: Rule = {
  id: 'crashkernel-requested',
  title: 'crashkernel= on the kernel command line',
  severity: 'error',
  remediation: CONFIGURE,
  evaluate({ snap, facts }) {
    const ev = [describe(snap.cmdline, (a) => a.join(' '))];
    if (facts.fadumpActive) return skip('fadump is in use; it does not need crashkernel=', ev);
    if (snap.cmdline.state !== 'ok')
      return unknown(`cannot use the kernel command line: ${describe(snap.cmdline)}`, ev);
    if (facts.crashkernelArgs.length === 0)
      return fail('no crashkernel= parameter in the kernel command line', ev);
    if (facts.request.errors.length > 0)
      return fail(`crashkernel= does not parse: ${facts.request.errors[0]}`, ev);
    if (facts.request.auto) {
      return warn(
        'crashkernel=auto is understood only by RHEL 7/8 kernels; others reserve nothing',
        ev,
        `replace it: ${CONFIGURE}`,
      );
    }
    if (facts.request.unresolvedRanges) {
      return warn(
        `crashkernel=${facts.crashkernelArgs.join(' crashkernel=')}: RAM size unknown, cannot tell which range applies`,
        ev,
      );
    }
    if (facts.request.size === 0) {
      return fail(
        `crashkernel=${facts.crashkernelArgs.join(' crashkernel=')} selects no reservation for ${facts.ramBytes === null ? 'this host' : humanBytes(facts.ramBytes)} of RAM`,
        ev,
      );
    }
    return pass(
      `crashkernel=${facts.crashkernelArgs.join(' crashkernel=')} asks for ${formatSize(facts.request.size)}`,
      ev,
    );
  },
};

export const crashkernelReserved: Rule = {
  id: 'crashkernel-reserved',
  title: 'memory reserved for the capture kernel',
  severity: 'error',
  remediation: CONFIGURE,
  evaluate({ snap, facts }) {
    const ev = [
      facts.reservedEvidence,
      describe(snap.iomem, (i) => `${i.crashKernel.length} 'Crash kernel' range(s)`),
    ];
    if (facts.fadumpActive) return skip('fadump reserves its own memory', ev);
    if (facts.reservedBytes === null && facts.captureLoaded === true) {
      return pass('a capture kernel is loaded, so memory is reserved (size not readable)', ev);
    }
    if (facts.reservedBytes === null)
      return unknown(
        `cannot tell whether memory is reserved: ${describe(snap.kexecCrashSize)}; ${describe(snap.iomem)}`,
        ev,
      );
    if (facts.reservedBytes === 0) {
      if (facts.crashkernelArgs.length > 0 && facts.request.size > 0) {
        return fail(
          `crashkernel= asked for ${formatSize(facts.request.size)} but the kernel reserved nothing (no suitable area, or more than the RAM allows); see 'crashkernel' in dmesg`,
          ev,
          'use a smaller size or drop @offset, then reboot',
        );
      }
      return fail('no memory is reserved for the capture kernel', ev);
    }
    return pass(`${humanBytes(facts.reservedBytes)} reserved`, ev);
  },
};

export const crashkernelSize: Rule = {
  id: 'crashkernel-size',
  title: 'reservation big enough for this host',
  severity: 'error',
  remediation: CONFIGURE,
  evaluate({ facts }) {
    const ev = [facts.reservedEvidence, ...facts.sizing.explanation];
    if (facts.fadumpActive) return skip('fadump reserves its own memory', ev);
    if (!facts.reservedBytes) return skip('nothing reserved (see crashkernel-reserved)', ev);
    const fix = `set ${facts.sizing.recommended}: kdumpfleet configure --crashkernel ${formatSize(facts.sizing.recommendedBytes)}, then reboot`;
    if (facts.reservedBytes < facts.sizing.neededBytes && facts.initrdSizeKnown === false) {
      // The initrd term dominates the formula; without the file it is a guess, so say "may".
      return warn(
        `reserved ${humanBytes(facts.reservedBytes)} may be less than the ~${humanBytes(facts.sizing.neededBytes)} this host needs (capture initrd not found, its size assumed)`,
        ev,
        fix,
      );
    }
    if (facts.reservedBytes < facts.sizing.neededBytes) {
      return fail(
        `reserved ${humanBytes(facts.reservedBytes)} is less than the ${humanBytes(facts.sizing.neededBytes)} this host needs`,
        ev,
        fix,
      );
    }
    return pass(
      `reserved ${humanBytes(facts.reservedBytes)} ≥ needed ${humanBytes(facts.sizing.neededBytes)}`,
      ev,
    );
  },
};

export const crashkernelLow: Rule = {
  id: 'crashkernel-low',
  title: 'low memory for a high reservation',
  severity: 'warning',
  remediation: 'add crashkernel=256M,low next to crashkernel=…,high (x86_64/arm64), then reboot',
  evaluate({ facts }) {
    const ev = [
      facts.reservedEvidence,
      ...facts.crashRanges.map((r) => `Crash kernel ${r.start.toString(16)}-${r.end.toString(16)}`),
    ];
    if (!facts.request.high) return skip('no ,high reservation', ev);
    const lowRanges = facts.crashRanges.filter((r) => r.end < 4 * GiB);
    if (facts.crashRanges.length > 0 && lowRanges.length === 0) {
      return fail(
        'crashkernel=…,high reserved nothing below 4 GiB: the capture kernel has no DMA/swiotlb memory and will fail',
        ev,
      );
    }
    if (facts.request.low === null) {
      return warn(
        'crashkernel=…,high without ,low relies on the kernel default low part (72M–256M by version)',
        ev,
      );
    }
    if (facts.request.low === 0)
      return fail('crashkernel=0,low: no low memory for DMA in the capture kernel', ev);
    return pass(`,low gives ${formatSize(facts.request.low)} below 4 GiB`, ev);
  },
};
