import { gunzipSync } from 'node:zlib';
import { posix } from 'node:path';
import { readDebianConfig, DEBIAN_CONFIG } from '../kdump-config/debian.js';
import type { KdumpConfig } from '../kdump-config/kdump-config.js';
import { KDUMPFLEET_CONFIG, readKdumpfleetConfig } from '../kdump-config/kdumpfleet.js';
import { readRhelConfig, RHEL_CONFIG } from '../kdump-config/rhel.js';
import { readSuseConfig, SUSE_SYSCONFIG } from '../kdump-config/suse.js';
import { looksLikeCmdline, splitCmdline } from '../procfs/cmdline.js';
import { parseIomem } from '../procfs/iomem.js';
import { parseMeminfo } from '../procfs/meminfo.js';
import { mountFor, parseDf, parseMounts } from '../procfs/mounts.js';
import { Sysroot } from '../sysroot/sysroot.js';
import { isInstalled, parseDpkgStatus, upstreamVersion, type DpkgPackage } from './dpkg-status.js';
import { mapField, notOk, ok, type Field } from './field.js';
import {
  PANIC_KNOBS,
  type CaptureFiles,
  type DumpTargetSnapshot,
  type HostSnapshot,
  type LockdownState,
  type PanicKnob,
  type ToolInfo,
} from './host-snapshot.js';
import { parseKernelConfig } from './kernel-config.js';

export interface ReadHostSnapshotOptions {
  /** Clock for `takenAt` (tests). */
  now?: () => Date;
  /**
   * Runs `<tool> --version` on the live host and returns its output (null on failure). The
   * library never executes anything itself; the agent passes this only when sysroot is `/`.
   */
  runVersion?: (tool: 'kexec' | 'makedumpfile', path: string) => Promise<string | null>;
}

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
/** sosreport keeps the host's `df`; statfs on a copied tree would measure this machine's disk. */
const DF_SNAPSHOTS = [
  '/sos_commands/filesys/df_-al_-x_autofs',
  '/sos_commands/filesys/df_-al',
  '/sos_commands/filesys/df_-k',
];
const TOOL_PATHS = {
  kexec: ['/sbin/kexec', '/usr/sbin/kexec', '/usr/bin/kexec', '/bin/kexec'],
  makedumpfile: [
    '/usr/sbin/makedumpfile',
    '/usr/bin/makedumpfile',
    '/sbin/makedumpfile',
    '/bin/makedumpfile',
  ],
} as const;
const TOOL_PACKAGES = { kexec: 'kexec-tools', makedumpfile: 'makedumpfile' } as const;

/**
 * Reads everything kdump readiness depends on from a host tree. Never throws for the host's
 * content (a missing, unreadable or garbage file becomes a non-`ok` field); throws
 * SysrootError only when `sysroot` itself is not a readable directory.
 */
export async function readHostSnapshot(
  sysroot: string,
  opts: ReadHostSnapshotOptions = {},
): Promise<HostSnapshot> {
  const root = await Sysroot.open(sysroot);
  const problems: HostSnapshot['problems'] = [];
  const note = <T>(f: Field<T>, missingIsProblem = true): Field<T> => {
    if (f.state !== 'ok' && (f.state !== 'missing' || missingIsProblem)) {
      problems.push({ path: f.source, state: f.state, detail: f.detail ?? f.state });
    }
    return f;
  };
  const text = (p: string) => root.readText(p);
  const trimmed = async (p: string) => mapField(await text(p), (v) => v.trim());

  const release = note(
    await (async () => {
      const f = mapField(await text('/proc/sys/kernel/osrelease'), (v) =>
        /^[\w.+~-]+$/.test(v.trim()) ? v.trim() : { garbage: 'not a kernel release' },
      );
      if (f.state === 'ok') return f;
      const v = mapField(await text('/proc/version'), (t) => {
        const m = /^Linux version (\S+)/.exec(t);
        return m ? (m[1] as string) : { garbage: "does not start with 'Linux version'" };
      });
      return v.state === 'ok' ? v : f;
    })(),
  );
  const rel = release.value;

  const arch = await (async () => {
    const f = await trimmed('/proc/sys/kernel/arch');
    if (f.state === 'ok' && f.value) return f;
    const guess = rel ? archFromRelease(rel) : null;
    return guess
      ? ok(guess, `kernel release ${rel}`, 'derived')
      : notOk<string>('missing', '/proc/sys/kernel/arch', 'arch not known');
  })();

  const cmdline = note(
    mapField(await text('/proc/cmdline'), (v) =>
      looksLikeCmdline(v)
        ? splitCmdline(v)
        : { garbage: 'contains control characters or several lines' },
    ),
  );
  const iomem = note(mapField(await text('/proc/iomem'), parseIomem));
  const meminfo = note(mapField(await text('/proc/meminfo'), parseMeminfo));
  const cpus = await readCpus(root);

  const bool01 = (v: string) =>
    v.trim() === '1'
      ? true
      : v.trim() === '0'
        ? false
        : { garbage: `expected 0 or 1, got ${JSON.stringify(v.trim().slice(0, 20))}` };
  const kexecLoaded = note(mapField(await text('/sys/kernel/kexec_loaded'), bool01));
  const kexecCrashLoaded = note(mapField(await text('/sys/kernel/kexec_crash_loaded'), bool01));
  const kexecCrashSize = note(mapField(await text('/sys/kernel/kexec_crash_size'), parseUint));

  // fadump: /sys/kernel/fadump/{enabled,registered} (5.x+), /sys/kernel/fadump_* before.
  const fadumpFile = async (name: string) => {
    const f = mapField(await text(`/sys/kernel/fadump/${name}`), bool01);
    return f.state === 'missing' ? mapField(await text(`/sys/kernel/fadump_${name}`), bool01) : f;
  };
  const fadump = {
    enabled: note(await fadumpFile('enabled'), false),
    registered: note(await fadumpFile('registered'), false),
  };

  const sysctl = {} as Record<PanicKnob, Field<number>>;
  for (const knob of PANIC_KNOBS) {
    // nmi_watchdog is absent on kernels without a hard-lockup detector; that is a fact, not a problem.
    const expected =
      knob !== 'kernel/nmi_watchdog' &&
      knob !== 'kernel/kexec_load_limit_panic' &&
      knob !== 'kernel/hardlockup_panic';
    sysctl[knob] = note(mapField(await text(`/proc/sys/${knob}`), parseInt10), expected);
  }

  const lockdown = note(
    await (async (): Promise<Field<LockdownState>> => {
      const f = await text('/sys/kernel/security/lockdown');
      if (f.state === 'missing')
        return ok({ mode: 'none' }, '/sys/kernel/security/lockdown', 'absent');
      return mapField<string, LockdownState>(f, (v) => {
        const m = /\[(none|integrity|confidentiality)\]/.exec(v);
        return m ? { mode: m[1] as LockdownState['mode'] } : { garbage: 'no [mode] in brackets' };
      });
    })(),
    false,
  );
  const secureBoot = note(await readEfiBool(root, 'SecureBoot'), false);
  const setupMode = note(await readEfiBool(root, 'SetupMode'), false);
  const securelevel = note(
    mapField(await text('/sys/kernel/security/securelevel'), parseInt10),
    false,
  );

  const kernelConfig = note(
    await (async (): Promise<HostSnapshot['kernelConfig']> => {
      if (!rel)
        return notOk<Partial<Record<string, 'y' | 'm' | 'n'>>>(
          'missing',
          '/boot/config-<release>',
          'kernel release unknown',
        );
      const f = mapField(await text(`/boot/config-${rel}`), parseKernelConfig);
      if (f.state !== 'missing') return f;
      const gz = await root.readBytes('/proc/config.gz', 16 * 1024 * 1024);
      if (gz.state !== 'ok' || !gz.value) return f;
      try {
        return mapField(
          ok(gunzipSync(gz.value).toString('utf8'), '/proc/config.gz'),
          parseKernelConfig,
        );
      } catch {
        return notOk('garbage', '/proc/config.gz', 'not gzip');
      }
    })(),
    false,
  );

  const osRelease = await (async () => {
    let f = await text('/etc/os-release');
    if (f.state === 'missing') f = await text('/usr/lib/os-release');
    return mapField(f, parseOsRelease);
  })();
  const configs = await readKdumpConfigs(root, problems);
  const kdump = pickKdumpConfig(configs, osRelease.value);
  const enabledUnits = await readEnabledUnits(root);

  const dpkgText = await text('/var/lib/dpkg/status');
  const dpkg = dpkgText.state === 'ok' && dpkgText.value ? parseDpkgStatus(dpkgText.value) : null;
  const tools = {
    kexec: await readTool(root, 'kexec', dpkg, opts),
    makedumpfile: await readTool(root, 'makedumpfile', dpkg, opts),
  };

  const capture = await readCaptureFiles(root, rel, kdump);
  const dumpTarget = await readDumpTarget(root, kdump);
  const crypttab = await text('/etc/crypttab');
  const luksDevices =
    crypttab.state === 'missing'
      ? ok(0, '/etc/crypttab', 'absent')
      : mapField(
          crypttab,
          (v) => v.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length,
        );

  return {
    sysroot: root.root,
    live: root.live,
    takenAt: (opts.now?.() ?? new Date()).toISOString(),
    release,
    arch,
    hostname: await trimmed('/etc/hostname').then((f) =>
      f.state === 'ok' ? f : trimmed('/proc/sys/kernel/hostname'),
    ),
    machineId: await trimmed('/etc/machine-id'),
    osRelease,
    cmdline,
    iomem,
    meminfo,
    cpus,
    kexecLoaded,
    kexecCrashLoaded,
    kexecCrashSize,
    fadump,
    sysctl,
    lockdown,
    secureBoot,
    setupMode,
    securelevel,
    kernelConfig,
    configs,
    kdump,
    enabledUnits,
    tools,
    capture,
    dumpTarget,
    luksDevices,
    problems,
  };
}

function parseUint(v: string): number | { garbage: string } {
  const t = v.trim();
  return /^\d+$/.test(t) && Number.isSafeInteger(Number(t))
    ? Number(t)
    : { garbage: `expected a number, got ${JSON.stringify(t.slice(0, 20))}` };
}

function parseInt10(v: string): number | { garbage: string } {
  const t = v.trim();
  return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t))
    ? Number(t)
    : { garbage: `expected an integer, got ${JSON.stringify(t.slice(0, 20))}` };
}

function archFromRelease(rel: string): string | null {
  if (/amd64|x86_64/.test(rel)) return 'x86_64';
  if (/arm64|aarch64/.test(rel)) return 'aarch64';
  if (/ppc64le/.test(rel)) return 'ppc64le';
  if (/s390x/.test(rel)) return 's390x';
  return null;
}

function parseOsRelease(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of v.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = (m[2] as string).replace(/^["']|["']$/g, '');
  }
  return out;
}

/** Online CPUs from /sys/devices/system/cpu/online (`0-3,6`), else /proc/cpuinfo. */
async function readCpus(root: Sysroot): Promise<Field<number>> {
  const f = mapField(await root.readText('/sys/devices/system/cpu/online'), (v) => {
    let n = 0;
    for (const part of v.trim().split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) return { garbage: `bad cpu list ${JSON.stringify(v.trim().slice(0, 30))}` };
      n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
    }
    return n;
  });
  if (f.state === 'ok') return f;
  const c = mapField(await root.readText('/proc/cpuinfo'), (v) => {
    const n = v.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
    return n > 0 ? n : { garbage: 'no processor lines' };
  });
  return c.state === 'ok' ? c : f;
}

/** EFI variables: 4 bytes of attributes, then the value; SecureBoot/SetupMode are one byte. */
async function readEfiBool(root: Sysroot, name: string): Promise<Field<boolean>> {
  const dir = '/sys/firmware/efi/efivars';
  const efi = await root.stat('/sys/firmware/efi');
  if (efi.state === 'missing') return ok(false, '/sys/firmware/efi', 'absent');
  const path = `${dir}/${name}-${EFI_GLOBAL}`;
  const f = await root.readBytes(path, 64);
  if (f.state === 'missing') return ok(false, path, 'absent');
  return mapField(f, (b) => {
    if (b.length >= 5) return b[4] === 1;
    // Hand-made trees sometimes hold the value as text; accept a lone 0 or 1.
    const t = b.toString('latin1').trim();
    if (t === '0' || t === '1') return t === '1';
    return { garbage: `${b.length} bytes, expected 4 attribute bytes and a value` };
  });
}

async function readKdumpConfigs(
  root: Sysroot,
  problems: HostSnapshot['problems'],
): Promise<KdumpConfig[]> {
  const out: KdumpConfig[] = [];
  const read = async (path: string) => {
    const f = await root.readText(path);
    if (f.state === 'unreadable' || f.state === 'garbage')
      problems.push({ path, state: f.state, detail: f.detail ?? f.state });
    return f;
  };
  const broken = (cfg: KdumpConfig, path: string, f: Field<string>): KdumpConfig => {
    const file = cfg.files.find((x) => x.path === path);
    if (file) {
      file.state = f.state;
      if (f.detail) file.detail = f.detail;
    }
    return cfg;
  };
  const deb = await read(DEBIAN_CONFIG);
  if (deb.state !== 'missing')
    out.push(
      deb.state === 'ok'
        ? readDebianConfig(deb.value ?? '')
        : broken(readDebianConfig(''), DEBIAN_CONFIG, deb),
    );
  const conf = await read(RHEL_CONFIG);
  const sys = await read(SUSE_SYSCONFIG);
  if (conf.state !== 'missing') {
    const cfg = readRhelConfig(conf.value ?? '', sys.state === 'ok' ? (sys.value ?? '') : null);
    out.push(conf.state === 'ok' ? cfg : broken(cfg, RHEL_CONFIG, conf));
  } else if (sys.state !== 'missing') {
    out.push(
      sys.state === 'ok'
        ? readSuseConfig(sys.value ?? '')
        : broken(readSuseConfig(''), SUSE_SYSCONFIG, sys),
    );
  }
  const own = await read(KDUMPFLEET_CONFIG);
  if (own.state !== 'missing')
    out.push(
      own.state === 'ok'
        ? readKdumpfleetConfig(own.value ?? '')
        : broken(readKdumpfleetConfig('{}'), KDUMPFLEET_CONFIG, own),
    );
  return out;
}

/** The distribution's own tool is in charge when present; kdumpfleet's config rules otherwise. */
function pickKdumpConfig(
  configs: KdumpConfig[],
  os: Record<string, string> | null,
): KdumpConfig | null {
  const family = `${os?.ID ?? ''} ${os?.ID_LIKE ?? ''}`;
  const prefer = /debian|ubuntu/.test(family)
    ? 'debian'
    : /rhel|fedora|centos/.test(family)
      ? 'rhel'
      : /suse/.test(family)
        ? 'suse'
        : null;
  return (
    configs.find((c) => c.flavor === prefer) ??
    configs.find((c) => c.flavor !== 'kdumpfleet') ??
    configs[0] ??
    null
  );
}

async function readEnabledUnits(root: Sysroot): Promise<Field<string[]>> {
  const base = '/etc/systemd/system';
  const top = await root.list(base);
  if (top.state !== 'ok' || !top.value) return { ...top, value: null };
  const units = new Set<string>();
  for (const d of top.value.filter((n) => n.endsWith('.wants'))) {
    const l = await root.list(`${base}/${d}`);
    for (const u of l.value ?? []) units.add(u);
  }
  // SysV links on hosts without systemd.
  for (const rc of ['/etc/rc2.d', '/etc/rc3.d', '/etc/rc5.d']) {
    const l = await root.list(rc);
    for (const n of l.value ?? []) {
      const m = /^S\d\d(.+)$/.exec(n);
      if (m) units.add(`${m[1]}.service`);
    }
  }
  return ok([...units].sort(), `${base}/*.wants`, 'dir');
}

async function readTool(
  root: Sysroot,
  name: 'kexec' | 'makedumpfile',
  dpkg: Map<string, DpkgPackage> | null,
  opts: ReadHostSnapshotOptions,
): Promise<ToolInfo> {
  let path: string | null = null;
  for (const p of TOOL_PATHS[name]) {
    const st = await root.stat(p);
    if (st.state === 'ok' && st.value?.isFile) {
      path = p;
      break;
    }
  }
  const pkg = dpkg?.get(TOOL_PACKAGES[name]);
  const packageInstalled = dpkg ? isInstalled(pkg) : null;
  let version: Field<string> = notOk('missing', `${name} --version`, 'version unknown', 'absent');
  if (root.live && path && opts.runVersion) {
    const out = await opts.runVersion(name, path);
    const v = out ? parseToolVersion(name, out) : null;
    if (v) version = ok(v, `${path} --version`, 'exec');
  }
  if (version.state !== 'ok' && pkg && isInstalled(pkg) && pkg.version) {
    version = ok(
      upstreamVersion(pkg.version),
      `/var/lib/dpkg/status (${TOOL_PACKAGES[name]} ${pkg.version})`,
      'dpkg',
    );
  }
  return { name, path, packageInstalled, version };
}

/** `makedumpfile: version 1.7.2 (released on …)`, `kexec-tools 2.0.25`. */
export function parseToolVersion(name: 'kexec' | 'makedumpfile', out: string): string | null {
  const re =
    name === 'makedumpfile' ? /version\s+(\d+\.\d+\.\d+)/ : /kexec-tools\s+(\d+\.\d+(?:\.\d+)?)/;
  return re.exec(out)?.[1] ?? null;
}

async function firstExisting(
  root: Sysroot,
  candidates: string[],
): Promise<{ path: string | null; field: Field<{ size: number }> }> {
  let first: Field<{ size: number }> | null = null;
  for (const p of candidates) {
    const st = await root.stat(p);
    if (st.state === 'ok' && st.value?.isFile)
      return { path: p, field: ok({ size: st.value.size }, p) };
    first ??=
      st.state === 'ok' ? notOk('garbage', p, 'not a regular file') : { ...st, value: null };
  }
  return {
    path: candidates[0] ?? null,
    field: first ?? notOk('missing', 'capture kernel', 'no candidate path'),
  };
}

async function readCaptureFiles(
  root: Sysroot,
  rel: string | null,
  kdump: KdumpConfig | null,
): Promise<CaptureFiles> {
  const r = rel ?? 'unknown';
  let kernels = [`/boot/vmlinuz-${r}`, `/boot/vmlinux-${r}`, `/boot/Image-${r}`];
  let initrds = [`/boot/initrd.img-${r}`, `/boot/initramfs-${r}.img`, `/boot/initrd-${r}`];
  if (kdump?.flavor === 'rhel')
    initrds = [`/boot/initramfs-${r}kdump.img`, `/var/lib/kdump/initramfs-${r}kdump.img`];
  if (kdump?.flavor === 'suse') initrds = [`/boot/initrd-${r}-kdump`, `/boot/initrd-${r}`];
  if (kdump?.captureKernel) kernels = [kdump.captureKernel];
  if (kdump?.captureInitrd) initrds = [kdump.captureInitrd];
  const k = await firstExisting(root, kernels);
  const i = await firstExisting(root, initrds);
  return { kernelPath: k.path, kernel: k.field, initrdPath: i.path, initrd: i.field };
}

async function readDumpTarget(
  root: Sysroot,
  kdump: KdumpConfig | null,
): Promise<DumpTargetSnapshot> {
  const dir = kdump?.dumpDir ?? '/var/crash';
  const remote = kdump?.remoteTarget ?? null;
  const device = kdump?.targetDevice ?? null;
  const st = await root.stat(dir);
  const exists: Field<boolean> =
    st.state === 'ok'
      ? ok(st.value?.isDirectory ?? false, dir)
      : st.state === 'missing'
        ? ok(false, dir)
        : { ...st, value: null };
  let ancestor: string | null = dir;
  if (!(exists.value ?? false)) {
    ancestor = null;
    for (let p = posix.dirname(dir); ; p = posix.dirname(p)) {
      const s = await root.stat(p);
      if (s.state === 'ok' && s.value?.isDirectory) {
        ancestor = p;
        break;
      }
      if (p === '/') break;
    }
  }
  const mountsText = await root.readText('/proc/mounts');
  const mounts = mapField(mountsText, parseMounts);
  let mount: DumpTargetSnapshot['mount'] = { ...mounts, value: null };
  if (mounts.state === 'ok' && mounts.value) {
    const m = mountFor(mounts.value, dir);
    mount = m
      ? ok(
          {
            mountPoint: m.mountPoint,
            fsType: m.fsType,
            source: m.source,
            readOnly: m.options.includes('ro'),
          },
          '/proc/mounts',
        )
      : notOk('missing', '/proc/mounts', `no mount holds ${dir}`);
  }
  let freeBytes: Field<number> = notOk('missing', dir, 'no existing directory to measure');
  let fromDf = false;
  if (!root.live) {
    for (const p of DF_SNAPSHOTS) {
      const f = await root.readText(p);
      if (f.state !== 'ok' || !f.value) continue;
      const df = parseDf(f.value);
      const entries = [...df.keys()].map((mountPoint) => ({
        source: '',
        mountPoint,
        fsType: '',
        options: [],
      }));
      const m = mountFor(entries, dir);
      if (m) {
        freeBytes = ok(df.get(m.mountPoint) as number, `${p} (${m.mountPoint})`, 'df');
        fromDf = true;
        break;
      }
    }
  }
  if (!fromDf && ancestor) freeBytes = await root.freeBytes(ancestor);
  const writable = ancestor
    ? await root.writable(ancestor)
    : notOk<boolean>('missing', dir, 'no existing ancestor');
  return { dir, remote, device, existingAncestor: ancestor, exists, writable, freeBytes, mount };
}
