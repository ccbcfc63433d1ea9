import type { KdumpConfig } from '../kdump-config/kdump-config.js';
import type { Iomem } from '../procfs/iomem.js';
import type { Meminfo } from '../procfs/meminfo.js';
import type { Field } from './field.js';

/** The /proc/sys knobs that decide whether a failure becomes a panic (and so a dump). */
export const PANIC_KNOBS = [
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/panic_on_warn',
  'kernel/softlockup_panic',
  'kernel/hardlockup_panic',
  'kernel/hung_task_panic',
  'kernel/hung_task_timeout_secs',
  'kernel/unknown_nmi_panic',
  'kernel/panic_on_io_nmi',
  'kernel/panic_on_unrecovered_nmi',
  'kernel/nmi_watchdog',
  'kernel/sysrq',
  'kernel/kexec_load_disabled',
  'kernel/kexec_load_limit_panic',
  'vm/panic_on_oom',
] as const;
export type PanicKnob = (typeof PANIC_KNOBS)[number];

export const KERNEL_CONFIG_OPTIONS = [
  'KEXEC',
  'KEXEC_FILE',
  'CRASH_DUMP',
  'PROC_VMCORE',
  'RELOCATABLE',
] as const;
export type KernelConfigOption = (typeof KERNEL_CONFIG_OPTIONS)[number];

export interface ToolInfo {
  name: string;
  /** Path the binary was found at inside the sysroot, null if none of the usual places. */
  path: string | null;
  /** dpkg says the package is installed ("install ok installed"). */
  packageInstalled: boolean | null;
  version: Field<string>;
}

export interface LockdownState {
  /** The mode in brackets: `[none] integrity confidentiality`. */
  mode: 'none' | 'integrity' | 'confidentiality';
}

export interface DumpTargetSnapshot {
  /** The directory dumps are written to, as the host sees it. */
  dir: string;
  /** nfs:…, ssh:…, raw:…, an URL: the dump leaves this disk; local checks do not apply. */
  remote: string | null;
  /** `<fstype> <device>` target of kdump.conf: the dump goes to that device's filesystem. */
  device: string | null;
  /** The nearest existing ancestor of `dir` (a missing dump dir is created by the tools). */
  existingAncestor: string | null;
  exists: Field<boolean>;
  writable: Field<boolean>;
  /** Free bytes where the dump would be written. */
  freeBytes: Field<number>;
  /** Filesystem type and mount options from /proc/mounts, when known. */
  mount: Field<{ mountPoint: string; fsType: string; source: string; readOnly: boolean }>;
}

export interface CaptureFiles {
  kernelPath: string | null;
  kernel: Field<{ size: number }>;
  initrdPath: string | null;
  initrd: Field<{ size: number }>;
}

export interface HostSnapshot {
  sysroot: string;
  /** Reading the running host (`/`): commands may run, statfs is the truth. */
  live: boolean;
  takenAt: string;
  release: Field<string>;
  arch: Field<string>;
  hostname: Field<string>;
  machineId: Field<string>;
  osRelease: Field<Record<string, string>>;
  cmdline: Field<string[]>;
  iomem: Field<Iomem>;
  meminfo: Field<Meminfo>;
  cpus: Field<number>;
  kexecLoaded: Field<boolean>;
  kexecCrashLoaded: Field<boolean>;
  kexecCrashSize: Field<number>;
  fadump: { enabled: Field<boolean>; registered: Field<boolean> };
  sysctl: Record<PanicKnob, Field<number>>;
  lockdown: Field<LockdownState>;
  secureBoot: Field<boolean>;
  setupMode: Field<boolean>;
  /** /sys/kernel/security/securelevel (old Ubuntu/Fedora patches): 1 behaves like lockdown. */
  securelevel: Field<number>;
  kernelConfig: Field<Partial<Record<KernelConfigOption, 'y' | 'm' | 'n'>>>;
  /** Every kdump configuration found; `kdump` is the one in charge (null: none). */
  configs: KdumpConfig[];
  kdump: KdumpConfig | null;
  /** systemd units enabled (a symlink in some *.wants directory under /etc/systemd/system). */
  enabledUnits: Field<string[]>;
  tools: { kexec: ToolInfo; makedumpfile: ToolInfo };
  capture: CaptureFiles;
  dumpTarget: DumpTargetSnapshot;
  /** /etc/crypttab has entries: unlocking LUKS in the capture kernel costs memory. */
  luksDevices: Field<number>;
  /** Files that were expected and missing/unreadable/garbage (for the report's `problems`). */
  problems: { path: string; state: 'missing' | 'unreadable' | 'garbage'; detail: string }[];
}
