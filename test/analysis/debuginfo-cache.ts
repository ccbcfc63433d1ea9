import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian -dbg packages and vmlinux files the deep-analysis tests need, cached OUTSIDE the repo:
 * $KDUMPFLEET_DEBUGINFO_CACHE, else /var/tmp/kdumpfleet/debuginfo, else ~/.cache/kdumpfleet/debuginfo.
 * A fresh machine downloads them once with `apt-get download` (283 MB for 6.1, 318 MB for 6.12).
 */
export function debuginfoCacheRoot(): string {
  const candidates = [
    process.env.KDUMPFLEET_DEBUGINFO_CACHE,
    '/var/tmp/kdumpfleet/debuginfo',
    join(homedir(), '.cache', 'kdumpfleet', 'debuginfo'),
  ].filter((d): d is string => !!d);
  for (const d of candidates) {
    try {
      mkdirSync(d, { recursive: true });
      accessSync(d, constants.W_OK);
      return d;
    } catch {
      // next
    }
  }
  throw new Error(`no writable debuginfo cache among ${candidates.join(', ')}`);
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function pythonHasDrgn(python = '/usr/bin/python3'): boolean {
  return spawnSync(python, ['-c', 'import drgn'], { stdio: 'ignore' }).status === 0;
}

/** The cached .deb of `pkg` in `dir`, downloading it with apt-get when missing. */
export function ensureDeb(dir: string, pkg: string): { path: string; downloadedMs: number | null } {
  mkdirSync(dir, { recursive: true });
  const find = () => readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  let deb = find();
  let downloadedMs: number | null = null;
  if (!deb) {
    const t = Date.now();
    // flock: other jobs on the machine may run apt at the same time
    const apt = (...args: string[]) =>
      spawnSync('flock', ['/tmp/kdf-apt.lock', 'apt-get', ...args], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 15 * 60_000,
      });
    let r = apt('download', pkg);
    // a fresh machine may have no package lists yet (bootstrap only updates them to install)
    if (r.status !== 0 && process.getuid?.() === 0) {
      apt('update');
      r = apt('download', pkg);
    }
    if (r.status !== 0) throw new Error(`apt-get download ${pkg} failed: ${r.stderr}`);
    downloadedMs = Date.now() - t;
    deb = find();
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
  }
  return { path: join(dir, deb), downloadedMs };
}

/**
 * `<dir>/<release>/vmlinux` extracted from a -dbg .deb (once; about 20 s for a 300 MB package):
 * the DEBUGINFO_DIRS layout looked up by release.
 */
export function ensureVmlinux(
  deb: string,
  dir: string,
  release: string,
): { path: string; extractedMs: number | null } {
  const out = join(dir, release, 'vmlinux');
  if (existsSync(out)) return { path: out, extractedMs: null };
  const t = Date.now();
  const work = join(dir, `.extract-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const member = `./usr/lib/debug/boot/vmlinux-${release}`;
  const r = spawnSync(
    'sh',
    ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$3"`, 'sh', deb, work, member],
    {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`extracting ${member} from ${deb} failed: ${r.stderr}`);
  mkdirSync(join(dir, release), { recursive: true });
  renameSync(join(work, member), out);
  rmSync(work, { recursive: true, force: true });
  return { path: out, extractedMs: Date.now() - t };
}

/** The fixtures' kernels and their Debian -dbg packages. */
export const REL61 = '6.1.0-56-cloud-amd64';
export const PKG61 = `linux-image-${REL61}-dbg`;
export const REL612 = '6.12.117+deb12-cloud-amd64';
export const PKG612 = `linux-image-${REL612}-dbg`;

/**
 * A DEBUGINFO_DIRS tree (`<release>/vmlinux`) holding the 6.12 fixtures' vmlinux, downloaded and
 * extracted once into the cache: what a test needs to see a dump reach `analyzed` without a
 * debuginfod.
 */
export function ensureDebuginfoDirs(): string {
  const root = debuginfoCacheRoot();
  const deb = ensureDeb(join(root, 'deb-6.12'), PKG612);
  ensureVmlinux(deb.path, join(root, 'dirs'), REL612);
  return join(root, 'dirs');
}
