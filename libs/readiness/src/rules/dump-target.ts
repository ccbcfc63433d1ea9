import { humanBytes } from '../crashkernel/size.js';
import { describe } from '../snapshot/field.js';
import { fail, pass, skip, unknown, warn, type Rule } from './rule.js';

/** Filesystems a capture environment cannot (or must not) write a dump to. */
const UNUSABLE_FS = new Set([
  'tmpfs',
  'ramfs',
  'devtmpfs',
  'proc',
  'sysfs',
  'overlay',
  'squashfs',
  'iso9660',
  'autofs',
  'zfs',
  'cgroup2',
  'debugfs',
]);
const NETWORK_FS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'ceph', 'glusterfs', '9p', 'virtiofs']);

export const dumpTargetExists: Rule = {
  id: 'dump-target-exists',
  title: 'dump directory exists',
  severity: 'error',
  remediation: 'mkdir -p the dump directory (or fix the path in the kdump configuration)',
  evaluate({ snap }) {
    const t = snap.dumpTarget;
    const ev = [
      describe(t.exists),
      `dump directory ${t.dir}${snap.kdump ? ` (${snap.kdump.files[0]?.path})` : ' (default)'}`,
    ];
    if (t.remote) return skip(`dump goes to ${t.remote}`, ev);
    if (t.device) return skip(`dump goes to the filesystem on ${t.device}`, ev);
    if (t.exists.state !== 'ok') return unknown(`cannot stat ${t.dir} (${t.exists.detail})`, ev);
    if (t.exists.value) return pass(`${t.dir} exists`, ev);
    if (t.existingAncestor)
      return warn(
        `${t.dir} does not exist; the capture creates it under ${t.existingAncestor}`,
        ev,
        `mkdir -p ${t.dir}`,
      );
    return fail(`${t.dir} does not exist and has no existing parent`, ev, `mkdir -p ${t.dir}`);
  },
};

export const dumpTargetWritable: Rule = {
  id: 'dump-target-writable',
  title: 'dump directory writable',
  severity: 'error',
  remediation:
    'remount the filesystem read-write, or point the kdump configuration at a writable directory',
  evaluate({ snap }) {
    const t = snap.dumpTarget;
    const ev = [
      describe(t.writable),
      describe(
        t.mount,
        (m) => `${m.source} on ${m.mountPoint} type ${m.fsType}${m.readOnly ? ' (ro)' : ''}`,
      ),
    ];
    if (t.remote || t.device) return skip('dump does not go to a local directory of this root', ev);
    if (t.mount.value?.readOnly)
      return fail(`${t.mount.value.mountPoint} is mounted read-only`, ev);
    if (t.writable.state !== 'ok')
      return warn(`cannot tell whether ${t.dir} is writable (${t.writable.detail})`, ev);
    if (t.writable.value) return pass(`${t.existingAncestor} is writable`, ev);
    return fail(`${t.existingAncestor} is not writable`, ev, `chmod u+w ${t.existingAncestor}`);
  },
};

export const dumpTargetSpace: Rule = {
  id: 'dump-target-space',
  title: 'free space for the expected dump',
  severity: 'error',
  remediation:
    'free space in the dump directory, move it to a bigger filesystem, or raise the dump level (-d 31)',
  evaluate({ snap, facts }) {
    const t = snap.dumpTarget;
    const est = facts.dumpSize;
    const ev = [
      describe(t.freeBytes, humanBytes),
      describe(snap.meminfo, (m) => `MemTotal ${humanBytes(m.MemTotal ?? 0)}`),
    ];
    if (est)
      ev.push(
        `expected dump ${humanBytes(est.expectedBytes)} (${est.explanation}; ${humanBytes(est.rawBytes)} uncompressed)`,
      );
    if (t.remote || t.device)
      return skip(
        `dump goes to ${t.remote ?? t.device}; its free space is not visible from here`,
        ev,
      );
    if (t.freeBytes.state !== 'ok' || t.freeBytes.value === null)
      return warn(`cannot measure free space at ${t.dir} (${t.freeBytes.detail})`, ev);
    if (!est) return warn('cannot estimate the dump size: /proc/meminfo unreadable', ev);
    const free = t.freeBytes.value;
    if (free < est.expectedBytes)
      return fail(
        `${humanBytes(free)} free at ${t.dir}, less than the ~${humanBytes(est.expectedBytes)} dump expected`,
        ev,
      );
    if (free < est.rawBytes)
      return warn(
        `${humanBytes(free)} free at ${t.dir}: enough only if the dump compresses as expected (${humanBytes(est.rawBytes)} uncompressed)`,
        ev,
      );
    return pass(`${humanBytes(free)} free ≥ ${humanBytes(est.rawBytes)} worst case`, ev);
  },
};

export const dumpTargetFilesystem: Rule = {
  id: 'dump-target-filesystem',
  title: 'dump directory on a filesystem the capture kernel mounts',
  severity: 'error',
  remediation:
    'point the dump directory at a local disk filesystem (ext4, xfs, btrfs) that is in /etc/fstab',
  evaluate({ snap }) {
    const t = snap.dumpTarget;
    const ev = [describe(t.mount, (m) => `${m.source} on ${m.mountPoint} type ${m.fsType}`)];
    if (t.remote || t.device) return skip(`dump goes to ${t.remote ?? t.device}`, ev);
    if (t.mount.state !== 'ok' || !t.mount.value)
      return skip(`mount table not available (${t.mount.detail})`, ev);
    const fs = t.mount.value.fsType;
    if (UNUSABLE_FS.has(fs) || fs.startsWith('fuse')) {
      return fail(
        `${t.dir} is on ${fs} (${t.mount.value.mountPoint}): the capture kernel will not mount it, or the dump is lost at reboot`,
        ev,
      );
    }
    if (NETWORK_FS.has(fs)) {
      return warn(
        `${t.dir} is on ${fs}: the capture environment needs network; prefer the tool's nfs/ssh target`,
        ev,
      );
    }
    return pass(`${t.dir} is on ${fs}`, ev);
  },
};
