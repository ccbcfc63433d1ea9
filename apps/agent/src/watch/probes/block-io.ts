import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ProbeFunction } from '../probe-protocol.js';

/** Filesystems with no block device or no disk behind them: nothing to learn from a write. */
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'tmpfs',
  'ramfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'mqueue',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'efivarfs',
  'nsfs',
  'rpc_pipefs',
  'selinuxfs',
  'overlay',
  'squashfs',
  'iso9660',
  'nfsd',
]);

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  readOnly: boolean;
}

/** /proc/self/mounts escapes space, tab, newline and backslash as octal (\040). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({
      device: unescapeMount(f[0]!),
      mountPoint: unescapeMount(f[1]!),
      fsType: f[2]!,
      readOnly: f[3]!.split(',').includes('ro'),
    });
  }
  return out;
}

/** Writable disk-backed mounts, each once (bind mounts of one filesystem repeat the device). */
export function writableMounts(entries: MountEntry[]): MountEntry[] {
  const seen = new Set<string>();
  return entries.filter((m) => {
    if (m.readOnly || PSEUDO_FS.has(m.fsType) || m.fsType.startsWith('fuse')) return false;
    if (seen.has(m.device)) return false;
    seen.add(m.device);
    return true;
  });
}

/** Block devices worth a read: non-empty, not loop/ram/zram (they have no disk to hang). */
export function blockDevices(sysBlockDir: string): string[] {
  if (!existsSync(sysBlockDir)) return [];
  return readdirSync(sysBlockDir)
    .filter((n) => !/^(loop|ram|zram)\d+$/.test(n))
    .filter((n) => {
      try {
        return Number(readFileSync(join(sysBlockDir, n, 'size'), 'utf8').trim()) > 0;
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * An O_DIRECT read of the first 4 KiB of each block device (so the page cache cannot answer for
 * a frozen queue) through dd, whose aligned buffer O_DIRECT needs; then write + fsync of a small
 * file on each writable mounted filesystem (a frozen filesystem blocks the write). The step
 * before each names the device or mount that blocks.
 */
export const blockIo: ProbeFunction = async (opts, step) => {
  const evidence: string[] = [];
  let failed = false;
  for (const dev of blockDevices(opts.sysBlockDir)) {
    const path = join(opts.devDir, dev);
    step(`read ${path}`);
    const r = spawnSync(
      'dd',
      [`if=${path}`, 'of=/dev/null', 'bs=4096', 'count=1', 'iflag=direct'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status === 0) evidence.push(`${path}: O_DIRECT read ok`);
    else {
      failed = true;
      evidence.push(
        `${path}: ${(r.stderr || r.error?.message || 'dd failed').trim().split('\n')[0]}`,
      );
    }
  }
  const mounts = writableMounts(parseMounts(readFileSync(opts.mountsFile, 'utf8')));
  for (const m of mounts) {
    const file = join(opts.rootDir, m.mountPoint, `.kdumpfleet-watch.${process.pid}`);
    step(`write+fsync ${m.mountPoint} (${m.device})`);
    try {
      const fd = openSync(file, 'w', 0o600);
      try {
        writeSync(fd, Buffer.alloc(512, 0x6b));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        unlinkSync(file);
      }
      evidence.push(`${m.mountPoint}: write+fsync ok`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Not ours to write (read-only bind, permissions): skipped, not a hang.
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
        evidence.push(`${m.mountPoint}: skipped (${code})`);
        continue;
      }
      failed = true;
      evidence.push(`${m.mountPoint}: ${code ?? (err as Error).message}`);
    }
  }
  return { status: failed ? 'error' : 'ok', evidence };
};
