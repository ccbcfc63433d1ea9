import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execOk } from './exec.js';
import type { GuestImages } from './prepare.js';

export const DISK_SIZE = '256M';

/**
 * The guest's persistent disk: an ext4 image made by the host with `mke2fs -d` (no root, no
 * loop device), holding the capture kernel and initramfs (/boot), this run's script (/kdlab) and
 * the empty dump directory (/var/crash) that Debian's kdump-tools would use.
 */
export async function makeDisk(
  runDir: string,
  images: GuestImages,
  runScript: string,
  boot2Script?: string,
  diskFiles: Record<string, string> = {},
  size: string = DISK_SIZE,
): Promise<string> {
  const stage = mkdtempSync(join(runDir, 'stage-'));
  try {
    mkdirSync(join(stage, 'boot'));
    mkdirSync(join(stage, 'kdlab'));
    mkdirSync(join(stage, 'var', 'crash'), { recursive: true });
    copyFileSync(images.vmlinuz, join(stage, 'boot', 'vmlinuz'));
    copyFileSync(images.initrd, join(stage, 'boot', 'initrd.img'));
    writeFileSync(join(stage, 'kdlab', 'run.sh'), runScript);
    if (boot2Script !== undefined) writeFileSync(join(stage, 'kdlab', 'boot2.sh'), boot2Script);
    for (const [guestPath, hostPath] of Object.entries(diskFiles)) {
      const dest = join(stage, guestPath.replace(/^\/+/, ''));
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(hostPath, dest);
    }
    const disk = join(runDir, 'disk.img');
    rmSync(disk, { force: true });
    await execOk('mke2fs', [
      '-q',
      '-F',
      '-t',
      'ext4',
      '-L',
      'kdlab',
      '-E',
      'root_owner=0:0',
      '-d',
      stage,
      disk,
      size,
    ]);
    return disk;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Copies the guest's /var/crash out of the disk image (e2fsprogs debugfs, read-only). */
export async function extractCrashDir(disk: string, dest: string): Promise<string> {
  mkdirSync(dest, { recursive: true });
  await execOk('debugfs', ['-R', `rdump /var/crash ${dest}`, disk]);
  return join(dest, 'crash');
}
