import { parseMakedumpfileArgs } from './dump-level.js';
import type { ConfigFileReport, KdumpConfig } from './kdump-config.js';
import { parseShellVars } from './shell-vars.js';

export const DEBIAN_CONFIG = '/etc/default/kdump-tools';

/** Keys kdump-tools 1.8 reads (kdump-config and its default file). */
const KNOWN = new Set([
  'USE_KDUMP',
  'KDUMP_SYSCTL',
  'KDUMP_KERNEL',
  'KDUMP_INITRD',
  'KDUMP_COREDIR',
  'KDUMP_FAIL_CMD',
  'DEBUG_KERNEL',
  'MAKEDUMP_ARGS',
  'KDUMP_KEXEC_ARGS',
  'KDUMP_CMDLINE',
  'KDUMP_CMDLINE_APPEND',
  'KDUMP_CMDLINE_REMOVE',
  'KDUMP_DUMP_DMESG',
  'KDUMP_NUM_DUMPS',
  'KDUMP_COMPRESSION',
  'NFS',
  'NFS_TIMEO',
  'NFS_RETRANS',
  'NFS_MOUNT_RETRY',
  'SSH',
  'SSH_KEY',
  'SSH_KDUMP_RETRY',
  'HOSTTAG',
  'FTP',
  'FTP_USER',
  'FTP_PASSWORD',
  'FTP_PORT',
  'KDUMP_DUMP_STAMP',
  'ARCH',
  'KDUMP_SYSCTL_FILE',
]);

/** Debian/Ubuntu kdump-tools: /etc/default/kdump-tools, shell variables. */
export function readDebianConfig(text: string): KdumpConfig {
  const { vars, errors } = parseShellVars(text);
  const file: ConfigFileReport = { path: DEBIAN_CONFIG, state: 'ok', errors, unknownKeys: [] };
  for (const [key, { line }] of vars) if (!KNOWN.has(key)) file.unknownKeys.push({ line, key });
  const get = (k: string): string | undefined => vars.get(k)?.value;
  // kdump-tools' default MAKEDUMP_ARGS is "-c -d 31".
  const mk = parseMakedumpfileArgs(get('MAKEDUMP_ARGS') ?? '-c -d 31');
  const use = get('USE_KDUMP');
  const remote = get('SSH')
    ? `ssh:${get('SSH')}`
    : get('NFS')
      ? `nfs:${get('NFS')}`
      : get('FTP')
        ? `ftp:${get('FTP')}`
        : null;
  return {
    flavor: 'debian',
    files: [file],
    enabled: use === undefined ? false : use !== '' && use !== '0',
    dumpDir: get('KDUMP_COREDIR') || '/var/crash',
    remoteTarget: remote,
    targetDevice: null,
    dumpLevel: mk.dumpLevel ?? 0,
    compressed: mk.compressed,
    kexecArgs: get('KDUMP_KEXEC_ARGS') ?? '',
    defaultFileLoad: false,
    autoFileLoadUnderSecureBoot: true,
    autoFileLoadUnderLockdown: false,
    captureKernel: get('KDUMP_KERNEL') || null,
    captureInitrd: get('KDUMP_INITRD') || null,
    serviceUnits: ['kdump-tools.service'],
  };
}
