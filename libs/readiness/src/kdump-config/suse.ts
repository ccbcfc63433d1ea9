import type { ConfigFileReport, KdumpConfig } from './kdump-config.js';
import { parseShellVars } from './shell-vars.js';

export const SUSE_SYSCONFIG = '/etc/sysconfig/kdump';

/** Keys of SUSE's kdump(5). */
const KNOWN = new Set([
  'KDUMP_KERNELVER',
  'KDUMP_CPUS',
  'KDUMP_COMMANDLINE',
  'KDUMP_COMMANDLINE_APPEND',
  'KDUMP_CRASHKERNEL',
  'KDUMP_AUTO_RESIZE',
  'KDUMP_UPDATE_BOOTLOADER',
  'KEXEC_OPTIONS',
  'KDUMP_IMMEDIATE_REBOOT',
  'KDUMP_COPY_KERNEL',
  'KDUMPTOOL_FLAGS',
  'KDUMP_VERBOSE',
  'KDUMP_DUMPLEVEL',
  'KDUMP_DUMPFORMAT',
  'KDUMP_CONTINUE_ON_ERROR',
  'KDUMP_REQUIRED_PROGRAMS',
  'KDUMP_PRESCRIPT',
  'KDUMP_POSTSCRIPT',
  'KDUMP_NETCONFIG',
  'KDUMP_NET_TIMEOUT',
  'KDUMP_SMTP_SERVER',
  'KDUMP_SMTP_USER',
  'KDUMP_SMTP_PASSWORD',
  'KDUMP_NOTIFICATION_TO',
  'KDUMP_NOTIFICATION_CC',
  'KDUMP_SAVEDIR',
  'KDUMP_KEEP_OLD_DUMPS',
  'KDUMP_FREE_DISK_SIZE',
  'KDUMP_HOST_KEY',
  'KDUMP_SSH_IDENTITY',
  'KDUMP_FADUMP',
  'KDUMP_FADUMP_SHELL',
  'KDUMP_TRANSFER',
  'KDUMP_RUNLEVEL',
]);

/** SUSE/openSUSE kdump: /etc/sysconfig/kdump, shell variables; KDUMP_SAVEDIR is a URL. */
export function readSuseConfig(text: string): KdumpConfig {
  const { vars, errors } = parseShellVars(text);
  const file: ConfigFileReport = { path: SUSE_SYSCONFIG, state: 'ok', errors, unknownKeys: [] };
  for (const [key, { line }] of vars) if (!KNOWN.has(key)) file.unknownKeys.push({ line, key });
  const get = (k: string): string | undefined => vars.get(k)?.value;
  const savedir = get('KDUMP_SAVEDIR') || '/var/crash';
  let dumpDir = savedir;
  let remote: string | null = null;
  const url = /^([a-z]+):\/\/(.*)$/.exec(savedir);
  if (url) {
    if (url[1] === 'file') dumpDir = `/${(url[2] as string).replace(/^\/+/, '')}`;
    else remote = savedir;
  }
  const levelText = get('KDUMP_DUMPLEVEL');
  const level = levelText !== undefined && /^\d+$/.test(levelText) ? Number(levelText) : 31;
  if (levelText !== undefined && !/^\d+$/.test(levelText)) {
    errors.push({
      line: vars.get('KDUMP_DUMPLEVEL')?.line ?? 0,
      text: levelText,
      reason: 'KDUMP_DUMPLEVEL is not a number',
    });
  }
  const format = (get('KDUMP_DUMPFORMAT') || 'lzo').toLowerCase();
  return {
    flavor: 'suse',
    files: [file],
    enabled: null,
    dumpDir,
    remoteTarget: remote,
    targetDevice: null,
    dumpLevel: level,
    compressed: !['none', 'elf', 'raw'].includes(format),
    kexecArgs: get('KEXEC_OPTIONS') ?? '',
    defaultFileLoad: false,
    autoFileLoadUnderSecureBoot: true,
    autoFileLoadUnderLockdown: false,
    captureKernel: null,
    captureInitrd: null,
    serviceUnits: ['kdump.service', 'kdump-early.service'],
  };
}
