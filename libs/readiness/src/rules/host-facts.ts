import { argValues } from '../procfs/cmdline.js';
import { rangeBytes, type PhysRange } from '../procfs/iomem.js';
import { resolveCrashkernel, type CrashkernelRequest } from '../crashkernel/parse.js';
import { sizeCrashkernel, type Sizing } from '../crashkernel/sizing.js';
import { estimateDumpSize, type DumpSizeEstimate } from '../report/dump-size.js';
import { describe } from '../snapshot/field.js';
import type { HostSnapshot } from '../snapshot/host-snapshot.js';

/** Facts several rules share, derived once from the snapshot. */
export interface HostFacts {
  crashkernelArgs: string[];
  request: CrashkernelRequest;
  ramBytes: number | null;
  /** Bytes reserved for the capture kernel; null when neither sysfs nor iomem tells. */
  reservedBytes: number | null;
  reservedEvidence: string;
  crashRanges: PhysRange[];
  fadumpActive: boolean;
  isPpc: boolean;
  captureLoaded: boolean | null;
  secureBootOn: boolean;
  lockdownMode: 'none' | 'integrity' | 'confidentiality';
  securelevelOn: boolean;
  /** Whether the configured tool will call kexec_file_load (`kexec -s`) on this host. */
  fileLoad: boolean;
  fileLoadWhy: string;
  sizing: Sizing;
  /** The capture initrd was found, so the sizing's biggest term is measured, not assumed. */
  initrdSizeKnown: boolean;
  dumpSize: DumpSizeEstimate | null;
}

export function deriveHostFacts(snap: HostSnapshot): HostFacts {
  const args = snap.cmdline.value ?? [];
  const crashkernelArgs = argValues(args, 'crashkernel');
  const iomem = snap.iomem.value;
  const ramBytes =
    iomem && iomem.systemRamBytes > 0 && !iomem.addressesHidden
      ? iomem.systemRamBytes
      : (snap.meminfo.value?.MemTotal ?? null);
  const request = resolveCrashkernel(crashkernelArgs, ramBytes);
  const crashRanges = iomem && !iomem.addressesHidden ? iomem.crashKernel : [];
  let reservedBytes: number | null = null;
  let reservedEvidence = describe(snap.kexecCrashSize);
  if (snap.kexecCrashSize.state === 'ok') reservedBytes = snap.kexecCrashSize.value;
  else if (iomem && !iomem.addressesHidden) {
    reservedBytes = crashRanges.reduce((s, r) => s + rangeBytes(r), 0);
    reservedEvidence = `/proc/iomem: ${crashRanges.length} 'Crash kernel' range(s), ${reservedBytes} bytes`;
  }
  // kexec_crash_size counts only the main (high) part when ,high is used; iomem shows both.
  if (reservedBytes !== null && crashRanges.length > 1) {
    const total = crashRanges.reduce((s, r) => s + rangeBytes(r), 0);
    if (total > reservedBytes) {
      reservedBytes = total;
      reservedEvidence += `; /proc/iomem: ${crashRanges.length} 'Crash kernel' ranges, ${total} bytes in all`;
    }
  }
  const arch = snap.arch.value ?? '';
  const isPpc = arch.startsWith('ppc64');
  const fadumpActive = snap.fadump.enabled.value === true;
  const captureLoaded = fadumpActive
    ? (snap.fadump.registered.value ?? null)
    : snap.kexecCrashLoaded.state === 'ok'
      ? snap.kexecCrashLoaded.value
      : null;
  const secureBootOn = snap.secureBoot.value === true && snap.setupMode.value !== true;
  const lockdownMode = snap.lockdown.value?.mode ?? 'none';
  const securelevelOn = snap.securelevel.value === 1;
  const cfg = snap.kdump;
  const explicitS = cfg ? /(^|\s)(-s|--kexec-file-syscall)(\s|$)/.test(cfg.kexecArgs) : false;
  const explicitC = cfg ? /(^|\s)(-c|--kexec-syscall)(\s|$)/.test(cfg.kexecArgs) : false;
  let fileLoad = false;
  let fileLoadWhy = 'no kdump configuration: kexec -p uses kexec_load';
  if (cfg) {
    if (explicitS)
      [fileLoad, fileLoadWhy] = [true, `${cfg.files[0]?.path}: kexec arguments include -s`];
    else if (explicitC)
      [fileLoad, fileLoadWhy] = [
        false,
        `${cfg.files[0]?.path}: kexec arguments force -c (kexec_load)`,
      ];
    else if (cfg.defaultFileLoad)
      [fileLoad, fileLoadWhy] = [true, `${cfg.flavor} tooling uses kexec_file_load by default`];
    else if ((secureBootOn || securelevelOn) && cfg.autoFileLoadUnderSecureBoot)
      [fileLoad, fileLoadWhy] = [true, `${cfg.flavor} tooling adds -s under secure boot`];
    else if (lockdownMode !== 'none' && cfg.autoFileLoadUnderLockdown)
      [fileLoad, fileLoadWhy] = [true, `${cfg.flavor} tooling adds -s under lockdown`];
    else fileLoadWhy = `${cfg.flavor} tooling loads with kexec_load (no -s in its kexec arguments)`;
  }
  const sizing = sizeCrashkernel({
    ramBytes,
    cpus: snap.cpus.value,
    initrdBytes: snap.capture.initrd.value?.size ?? null,
    luksDevices: snap.luksDevices.value ?? 0,
    flavor: cfg?.flavor ?? null,
  });
  const dumpSize = snap.meminfo.value
    ? estimateDumpSize(snap.meminfo.value, cfg?.dumpLevel ?? 31, cfg?.compressed ?? true)
    : null;
  return {
    crashkernelArgs,
    request,
    ramBytes,
    reservedBytes,
    reservedEvidence,
    crashRanges,
    fadumpActive,
    isPpc,
    captureLoaded,
    secureBootOn,
    lockdownMode,
    securelevelOn,
    fileLoad,
    fileLoadWhy,
    sizing,
    initrdSizeKnown: snap.capture.initrd.state === 'ok',
    dumpSize,
  };
}
