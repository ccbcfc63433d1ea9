// A throw-away Debian root for the Ansible tests: debootstrap (bookworm, minbase, plus the
// python3 an Ansible target needs) runs once and is cached as a tarball under
// /var/tmp/kdumpfleet/ansible; every test run unpacks a fresh copy, so each run starts clean.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const cacheDir = '/var/tmp/kdumpfleet/ansible';
const suite = 'bookworm';
const mirror = process.env.KDUMPFLEET_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
// python3 and python3-apt: what Ansible needs on a Debian target (modules, the apt module).
const include = ['python3', 'python3-apt'];
const baseTarball = join(cacheDir, `${suite}-minbase-${include.join('+')}-v2.tar`);

export class DebianRootError extends Error {
  readonly code = 'DEBIAN_ROOT';
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new DebianRootError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new DebianRootError(`${cmd} ${args.join(' ')} exited ${r.status}: ${tail}`);
  }
}

/** Builds the cached base tarball once (under a lock: test files may race). */
export function ensureBaseTarball(): string {
  mkdirSync(cacheDir, { recursive: true });
  if (existsSync(baseTarball)) return baseTarball;
  const script = [
    'set -e',
    `test -f ${baseTarball} && exit 0`,
    `tmp=$(mktemp -d ${cacheDir}/debootstrap.XXXXXX)`,
    'trap \'rm -rf "$tmp"\' EXIT',
    `debootstrap --variant=minbase --include=${include.join(',')} ${suite} "$tmp/root" ${mirror}`,
    // Downloaded .debs are not part of a fresh root; the apt lists are (as on a new machine):
    // the role refreshes them when they are older than its cache_valid_time.
    'rm -rf "$tmp"/root/var/cache/apt/archives/*.deb',
    `tar --numeric-owner -C "$tmp/root" -cf ${baseTarball}.part .`,
    `mv ${baseTarball}.part ${baseTarball}`,
  ].join('\n');
  run('flock', [join(cacheDir, 'debootstrap.lock'), 'sh', '-c', script]);
  return baseTarball;
}

export interface DebianRoot {
  /** The root directory, what the chroot connection gets as ansible_host. */
  readonly path: string;
  /** Whether /proc is mounted inside (the agent reads /proc; without it, it sees less). */
  readonly procMounted: boolean;
  /** Unmounts /proc and deletes the tree. */
  dispose(): void;
}

/** Unpacks a fresh root from the cached tarball and mounts /proc in it. */
export function freshDebianRoot(): DebianRoot {
  const tarball = ensureBaseTarball();
  const dir = mkdtempSync(join(cacheDir, 'run-'));
  const path = join(dir, 'root');
  mkdirSync(path);
  run('tar', ['--numeric-owner', '-C', path, '-xf', tarball]);
  const mounted = spawnSync('mount', ['-t', 'proc', 'proc', join(path, 'proc')]).status === 0;
  return {
    path,
    procMounted: mounted,
    dispose() {
      if (mounted) spawnSync('umount', ['-l', join(path, 'proc')]);
      // Never follow into a still-mounted /proc.
      if (!mounted || spawnSync('mountpoint', ['-q', join(path, 'proc')]).status !== 0) {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
