import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian packages the S3 test server needs (also listed in scripts/apt/test/s3.txt). */
export const CEPH_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw'] as const;
export const INSTALL_HINT = `apt-get install --no-install-recommends ${CEPH_PACKAGES.join(' ')}`;

/** Programs the harness runs; all come with the packages above (ceph-common, ceph-base). */
const PROGRAMS = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];

export function missingPackages(): string[] {
  return CEPH_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export function missingPrograms(): string[] {
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/usr/bin']);
  return PROGRAMS.filter((p) => !path.some((d) => existsSync(`${d}/${p}`)));
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * apt-get install as root. Serialised with other installers by dpkg's own lock (we wait for it
 * rather than fail) and, when flock(1) exists, by the shared /tmp/kdf-apt.lock that the
 * project's other installers take (flock creates the file if it is missing).
 */
export function installPackages(pkgs: readonly string[]): void {
  const apt = (args: string[]) => {
    const argv = ['apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=600', ...args];
    const [cmd, ...rest] =
      spawnSync('flock', ['--version']).status === 0
        ? ['flock', '/tmp/kdf-apt.lock', ...argv]
        : argv;
    execFileSync(cmd!, rest, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    });
  };
  try {
    apt(['install', '--no-install-recommends', ...pkgs]);
  } catch {
    apt(['update']); // a fresh machine may not have package lists yet
    apt(['install', '--no-install-recommends', ...pkgs]);
  }
}
