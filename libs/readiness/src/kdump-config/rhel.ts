import { parseMakedumpfileArgs } from './dump-level.js';
import type { ConfigFileReport, KdumpConfig } from './kdump-config.js';
import type { ConfigLineProblem } from './shell-vars.js';
import { parseShellVars } from './shell-vars.js';

export const RHEL_CONFIG = '/etc/kdump.conf';
export const RHEL_SYSCONFIG = '/etc/sysconfig/kdump';

/** Local filesystem directives: `<fstype> <device>` sends the dump to that device. */
const FS_TYPES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'minix', 'virtiofs']);
const DIRECTIVES = new Set([
  'raw',
  'nfs',
  'ssh',
  'sshkey',
  'path',
  'core_collector',
  'kdump_post',
  'kdump_pre',
  'extra_bins',
  'extra_modules',
  'failure_action',
  'default',
  'final_action',
  'force_rebuild',
  'force_no_rebuild',
  'dracut_args',
  'fence_kdump_args',
  'fence_kdump_nodes',
  'auto_reset_crashkernel',
  'sshkey',
  ...FS_TYPES,
]);
/** kdumpctl refuses to start on these (`Deprecated kdump config option`). */
const DEPRECATED = new Set([
  'net',
  'options',
  'link_delay',
  'disk_timeout',
  'debug_mem_level',
  'blacklist',
]);
const SYSCONFIG_KEYS = new Set([
  'KDUMP_KERNELVER',
  'KDUMP_COMMANDLINE',
  'KDUMP_COMMANDLINE_REMOVE',
  'KDUMP_COMMANDLINE_APPEND',
  'KDUMP_STDLOGLVL',
  'KDUMP_SYSLOGLVL',
  'KDUMP_KMSGLOGLVL',
  'KEXEC_ARGS',
  'KDUMP_BOOTDIR',
  'KDUMP_IMG',
  'KDUMP_IMG_EXT',
  'FADUMP_COMMANDLINE_APPEND',
  'MKDUMPRD_ARGS',
  'KDUMP_INITRD',
]);

/**
 * RHEL/Fedora/CentOS kexec-tools: /etc/kdump.conf (`directive value`, one per line, kdumpctl's
 * rules) plus /etc/sysconfig/kdump (shell variables). `sysconfig` may be null (file missing).
 */
export function readRhelConfig(conf: string, sysconfig: string | null): KdumpConfig {
  const errors: ConfigLineProblem[] = [];
  const unknownKeys: { line: number; key: string }[] = [];
  const d = new Map<string, string>();
  const lines = conf.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const t = raw.replace(/(^|\s)#.*$/, '').trim();
    if (t === '') continue;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(t);
    const key = m?.[1] as string;
    const value = (m?.[2] ?? '').trim();
    if (DEPRECATED.has(key)) {
      errors.push({
        line: i + 1,
        text: raw,
        reason: `'${key}' is deprecated; kdumpctl refuses to start`,
      });
    } else if (!DIRECTIVES.has(key)) {
      unknownKeys.push({ line: i + 1, key });
      // kdumpctl: "Invalid kdump config option" is fatal for it too.
      errors.push({ line: i + 1, text: raw, reason: `unknown directive '${key}'` });
    } else if (value === '' && key !== 'force_rebuild' && key !== 'force_no_rebuild') {
      errors.push({ line: i + 1, text: raw, reason: `'${key}' needs a value` });
    } else if (d.has(key) && key !== 'extra_bins' && key !== 'extra_modules') {
      errors.push({ line: i + 1, text: raw, reason: `'${key}' given twice` });
    } else d.set(key, value);
  }
  const files: ConfigFileReport[] = [{ path: RHEL_CONFIG, state: 'ok', errors, unknownKeys }];
  const targets = [...d.keys()].filter(
    (k) => k === 'raw' || k === 'nfs' || k === 'ssh' || FS_TYPES.has(k),
  );
  if (targets.length > 1) {
    errors.push({ line: 0, text: targets.join(', '), reason: 'more than one dump target' });
  }
  let sys = new Map<string, { value: string; line: number }>();
  if (sysconfig !== null) {
    const p = parseShellVars(sysconfig);
    sys = p.vars;
    const uk: { line: number; key: string }[] = [];
    for (const [key, { line }] of p.vars) if (!SYSCONFIG_KEYS.has(key)) uk.push({ line, key });
    files.push({ path: RHEL_SYSCONFIG, state: 'ok', errors: p.errors, unknownKeys: uk });
  }
  const collector = d.get('core_collector') ?? 'makedumpfile -l --message-level 7 -d 31';
  const mk = collector.startsWith('makedumpfile')
    ? parseMakedumpfileArgs(collector.slice('makedumpfile'.length))
    : { dumpLevel: 0, compressed: false };
  const target = targets[0];
  const fsTarget = target !== undefined && FS_TYPES.has(target) ? (d.get(target) ?? null) : null;
  const remote =
    target === 'nfs' || target === 'ssh'
      ? `${target}:${d.get(target)}`
      : target === 'raw'
        ? `raw:${d.get('raw')}`
        : null;
  return {
    flavor: 'rhel',
    files,
    enabled: null,
    dumpDir: d.get('path') ?? '/var/crash',
    remoteTarget: remote,
    targetDevice: fsTarget,
    dumpLevel: mk.dumpLevel ?? 0,
    compressed: mk.compressed,
    kexecArgs: sys.get('KEXEC_ARGS')?.value ?? '',
    defaultFileLoad: true,
    autoFileLoadUnderSecureBoot: true,
    autoFileLoadUnderLockdown: true,
    captureKernel: null,
    captureInitrd: null,
    serviceUnits: ['kdump.service'],
  };
}
