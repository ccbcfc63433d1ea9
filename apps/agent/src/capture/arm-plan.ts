import type { HostSnapshot } from '@kdumpfleet/readiness';
import { captureCmdline } from './capture-cmdline.js';

export type LoadMethod = 'kexec_file_load' | 'kexec_load';

export interface KexecCommand {
  method: LoadMethod;
  argv: string[];
}

export type ArmPlan =
  | {
      kind: 'defer';
      tool: 'kdump-tools' | 'kdumpctl' | 'suse';
      argv: string[];
      why: string;
    }
  | {
      kind: 'load';
      kexec: string;
      kernel: string;
      initrd: string | null;
      cmdline: string;
      /** Commands in order; the second is the kexec_load fallback when allowed. */
      attempts: KexecCommand[];
      /** Unload first: kexec_file_load refuses to replace a loaded crash kernel. */
      unloadFirst: boolean;
      why: string[];
    }
  | { kind: 'refuse'; reason: string };

export interface ArmOptions {
  /** Load with kdumpfleet even where kdump-tools/kdumpctl manage the host. */
  own: boolean;
  allowKexecLoad: boolean;
  captureKernel: string | null;
  captureInitrd: string | null;
  cmdlineAppend: string;
  kexecArgs: string;
}

const DEFER: Record<string, { tool: 'kdump-tools' | 'kdumpctl' | 'suse'; argv: string[] }> = {
  debian: { tool: 'kdump-tools', argv: ['kdump-config', 'load'] },
  rhel: { tool: 'kdumpctl', argv: ['kdumpctl', 'restart'] },
  suse: { tool: 'suse', argv: ['systemctl', 'restart', 'kdump.service'] },
};

/**
 * Decides how to load the capture kernel on this host. Under lockdown or secure boot only
 * kexec_file_load (`kexec -s`) can work (the kernel verifies the image's signature); elsewhere
 * kexec_file_load is tried first and kexec_load only when agent.json allowKexecLoad says so and
 * `kernel.kexec_load_disabled` is 0.
 */
export function planArm(s: HostSnapshot, o: ArmOptions): ArmPlan {
  const managed = s.kdump && s.kdump.flavor !== 'kdumpfleet' ? DEFER[s.kdump.flavor] : undefined;
  if (managed && !o.own)
    return {
      kind: 'defer',
      ...managed,
      why: `${managed.tool} manages kdump on this host (${s.kdump!.files[0]?.path ?? ''}); pass --own to load with kdumpfleet instead`,
    };
  if (!s.tools.kexec.path)
    return { kind: 'refuse', reason: 'kexec not found (install kexec-tools)' };
  const kernel = o.captureKernel ?? s.capture.kernelPath;
  if (!kernel) return { kind: 'refuse', reason: 'no capture kernel found (set captureKernel)' };
  const initrd = o.captureInitrd ?? s.capture.initrdPath;
  const lockdown = s.lockdown.value?.mode ?? 'none';
  const secure = s.secureBoot.value === true;
  const loadDisabled = s.sysctl['kernel/kexec_load_disabled'].value === 1;
  const cmdline = captureCmdline(s.cmdline.value ?? [], o.cmdlineAppend);
  const extra = o.kexecArgs.split(/\s+/).filter((a) => a && a !== '-s' && a !== '-c');
  const base = (flag: string[]): string[] => [
    ...flag,
    '-p',
    kernel,
    ...(initrd ? [`--initrd=${initrd}`] : []),
    `--command-line=${cmdline}`,
    ...extra,
  ];
  const why: string[] = [];
  const attempts: KexecCommand[] = [{ method: 'kexec_file_load', argv: base(['-s']) }];
  if (lockdown !== 'none' || secure) {
    why.push(
      `${lockdown !== 'none' ? `lockdown=${lockdown}` : 'secure boot'}: only kexec_file_load (kexec -s) can load a kernel, and it must be signed`,
    );
  } else if (o.allowKexecLoad && !loadDisabled) {
    attempts.push({ method: 'kexec_load', argv: base(['-c']) });
    why.push('kexec_file_load first; kexec_load allowed as a fallback (allowKexecLoad)');
  } else {
    why.push(
      loadDisabled
        ? 'kernel.kexec_load_disabled=1: kexec_load is off until reboot, kexec_file_load only'
        : 'kexec_file_load only (set allowKexecLoad to fall back to kexec_load)',
    );
  }
  return {
    kind: 'load',
    kexec: s.tools.kexec.path,
    kernel,
    initrd,
    cmdline,
    attempts,
    unloadFirst: s.kexecCrashLoaded.value === true,
    why,
  };
}
