import { spawnSync } from 'node:child_process';

/** command → Debian package that provides it: what the lab itself runs on the host. */
export const LAB_TOOLS: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  busybox: 'busybox-static',
  kexec: 'kexec-tools',
  makedumpfile: 'makedumpfile',
  cpio: 'cpio',
  mke2fs: 'e2fsprogs',
  debugfs: 'e2fsprogs',
  gcc: 'gcc',
  make: 'make',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  xz: 'xz-utils',
};

/**
 * Why a lab test cannot run here, as one line naming the commands and the apt-get line that
 * installs them; null when every command of `tools` is on PATH.
 */
export function missingLabTools(
  tools: Readonly<Record<string, string>> = LAB_TOOLS,
): string | null {
  const missing = Object.entries(tools).filter(
    ([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0,
  );
  if (missing.length === 0) return null;
  return (
    `missing ${missing.map(([c]) => c).join(', ')}; install: apt-get install -y ` +
    [...new Set(missing.map(([, p]) => p))].join(' ')
  );
}
