import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readHostSnapshot } from '../snapshot/read-host-snapshot.js';
import { evaluateReadiness } from './evaluate.js';

const ready = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'testdata',
  'debian-ready',
  'root',
);
const made: string[] = [];

/** A copy of the ready Debian host with some files replaced (content) or removed (null). */
async function variant(files: Record<string, string | null>) {
  const dir = await mkdtemp(join(tmpdir(), 'kdf-variant-'));
  made.push(dir);
  await cp(ready, dir, { recursive: true, verbatimSymlinks: true });
  for (const [p, content] of Object.entries(files)) {
    const target = join(dir, p);
    if (content === null) await rm(target, { force: true, recursive: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
  const report = evaluateReadiness(await readHostSnapshot(dir));
  const check = (id: string) => report.checks.find((c) => c.id === id);
  return { report, check };
}

afterEach(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('host variations', () => {
  it('a loaded capture kernel proves a reservation even when its size is unreadable', async () => {
    const { report, check } = await variant({
      'sys/kernel/kexec_crash_size': null,
      'proc/iomem': null,
    });
    expect(check('crashkernel-reserved')?.status).toBe('pass');
    expect(check('crashkernel-size')?.status).toBe('skip');
    expect(report.ready).toBe(true);
  });

  it('range form with RAM unknown: a warning, not a failure', async () => {
    const { check } = await variant({
      'proc/iomem': null,
      'proc/meminfo': null,
      'proc/cmdline': 'ro crashkernel=1G-4G:192M,4G-:256M\n',
    });
    expect(check('crashkernel-requested')).toMatchObject({ status: 'warn', severity: 'warning' });
  });

  it('reservation below the formula with the initrd missing is "may be too small" (warning)', async () => {
    const { report, check } = await variant({
      'proc/cmdline': 'ro crashkernel=128M\n',
      'sys/kernel/kexec_crash_size': `${128 * 2 ** 20}\n`,
      'var/lib/kdump': null,
      'boot/initrd.img-6.1.0-28-amd64': null,
    });
    expect(check('crashkernel-size')?.status).toBe('warn');
    expect(check('crashkernel-size')?.message).toMatch(/may be less than/);
    expect(report.crashkernel.sufficient).toBe(false);
  });

  it('secure boot from text efivars, and kdump-tools adds -s by itself', async () => {
    const { check } = await variant({
      'sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c': '1\n',
      'sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c': '0\n',
    });
    expect(check('secure-boot-load-method')).toMatchObject({ status: 'pass' });
    expect(check('secure-boot-load-method')?.message).toMatch(/adds -s under secure boot/);
  });

  it('dump directory on tmpfs fails the filesystem check', async () => {
    const { report, check } = await variant({
      'proc/mounts': '/dev/vda1 / ext4 rw 0 0\ntmpfs /var/crash tmpfs rw 0 0\n',
    });
    expect(check('dump-target-filesystem')?.status).toBe('fail');
    expect(report.ready).toBe(false);
  });

  it('USE_KDUMP=0 while loaded: a warning about the next boot', async () => {
    const { check } = await variant({ 'etc/default/kdump-tools': 'USE_KDUMP=0\n' });
    expect(check('kdump-enabled')).toMatchObject({ status: 'warn' });
    expect(check('kdump-enabled')?.message).toMatch(/USE_KDUMP is not set or 0/);
  });
});
