import type { ConfigLineProblem } from './shell-vars.js';

/** Which tool manages kdump on the host, by the configuration files present. */
export type KdumpFlavor = 'debian' | 'rhel' | 'suse' | 'kdumpfleet';

export interface ConfigFileReport {
  path: string;
  state: 'ok' | 'missing' | 'unreadable' | 'garbage';
  detail?: string;
  errors: ConfigLineProblem[];
  unknownKeys: { line: number; key: string }[];
}

/**
 * What the readiness rules need from a kdump configuration, whichever tool wrote it. `null`
 * means the file does not say (the tool's default applies and is filled in by the reader).
 */
export interface KdumpConfig {
  flavor: KdumpFlavor;
  files: ConfigFileReport[];
  /** Debian USE_KDUMP; null where the tool has no such switch (RHEL/SUSE: the service decides). */
  enabled: boolean | null;
  /** Local directory the dump is written to (as the host sees it once booted). */
  dumpDir: string;
  /** Set when the dump goes elsewhere (nfs, ssh, ftp, raw device, another filesystem). */
  remoteTarget: string | null;
  /** The raw/other-filesystem target's device when the dump goes to a local disk not at `/`. */
  targetDevice: string | null;
  dumpLevel: number;
  compressed: boolean;
  /** Extra kexec arguments (`-s` means kexec_file_load). */
  kexecArgs: string;
  /** The tool loads with kexec_file_load unless told otherwise (modern kdumpctl; `-c` opts out). */
  defaultFileLoad: boolean;
  /** The tool picks `kexec -s` by itself under secure boot (kdump-config, kdumpctl, SUSE). */
  autoFileLoadUnderSecureBoot: boolean;
  /** ...and under lockdown too (kdump-config checks only secure boot and securelevel). */
  autoFileLoadUnderLockdown: boolean;
  /** Capture kernel and initrd configured explicitly (null: the tool's default location). */
  captureKernel: string | null;
  captureInitrd: string | null;
  /** systemd units that arm kdump for this flavor. */
  serviceUnits: string[];
}
