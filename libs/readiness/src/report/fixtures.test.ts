import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readinessReportSchema } from '@kdumpfleet/contracts';
import { describe, expect, it } from 'vitest';
import { SysrootError } from '../errors.js';
import { readHostSnapshot } from '../snapshot/read-host-snapshot.js';
import { evaluateReadiness } from './evaluate.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata');

interface Expected {
  ready: boolean;
  errors: string[];
  problems?: string[];
}

const names = (await readdir(testdata, { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

async function check(name: string) {
  const expected = JSON.parse(
    await readFile(join(testdata, name, 'expected.json'), 'utf8'),
  ) as Expected;
  const snap = await readHostSnapshot(join(testdata, name, 'root'), {
    now: () => new Date('2026-01-02T03:04:05Z'),
  });
  const report = evaluateReadiness(snap);
  return { expected, snap, report };
}

describe('fixture sysroots', () => {
  it('covers at least 12 host situations', () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of names) {
    it(`${name}: verdict and error findings as expected`, async () => {
      const { expected, report } = await check(name);
      const errors = report.findings.filter((f) => f.severity === 'error').map((f) => f.id);
      expect(report.ready).toBe(expected.ready);
      expect(report.verdict).toBe(expected.ready ? 'ready' : 'not-ready');
      expect([...errors].sort()).toEqual([...expected.errors].sort());
      expect(readinessReportSchema.safeParse(report).success).toBe(true);
      if (expected.problems)
        expect(report.problems.map((p) => p.path).sort()).toEqual([...expected.problems].sort());
      for (const f of report.findings) {
        expect(f.message.length, f.id).toBeGreaterThan(10);
        expect(f.remediation.length, f.id).toBeGreaterThan(5);
      }
    });
  }
});

describe('what the fixtures show', () => {
  it('a ready Debian host: 512M reserved, sufficient, versions from dpkg, symlinks resolved inside the sysroot', async () => {
    const { snap, report } = await check('debian-ready');
    expect(report.crashkernel).toMatchObject({
      current: '512M',
      reservedBytes: 512 * 2 ** 20,
      sufficient: true,
    });
    expect(snap.tools.makedumpfile.version).toMatchObject({ value: '1.7.2', method: 'dpkg' });
    expect(snap.capture.kernelPath).toBe('/var/lib/kdump/vmlinuz');
    expect(snap.capture.kernel.value?.size).toBe(4096);
    expect(snap.capture.initrd.value?.size).toBe(8192);
    expect(snap.kdump?.flavor).toBe('debian');
    expect(report.host).toMatchObject({ hostname: 'deb-ready', arch: 'x86_64' });
    expect(report.snapshotAt).toBe('2026-01-02T03:04:05.000Z');
    // makedumpfile 1.7.2 knows kernels up to 6.0.1; this host runs 6.1: a warning, not a blocker.
    expect(report.findings.find((f) => f.id === 'makedumpfile-version')?.severity).toBe('warning');
  });

  it('lockdown=integrity with kdump-tools loading by kexec_load', async () => {
    const { report } = await check('lockdown-kexec-load');
    const f = report.findings.find((x) => x.id === 'lockdown-load-method');
    expect(f?.message).toMatch(/lockdown=integrity refuses kexec_load/);
    expect(f?.remediation).toMatch(/KDUMP_KEXEC_ARGS/);
  });

  it('a reservation too small for 64 GiB and 64 CPUs says how much is needed', async () => {
    const { report } = await check('reservation-too-small');
    expect(report.crashkernel.sufficient).toBe(false);
    expect(report.crashkernel.neededBytes).toBeGreaterThan(64 * 2 ** 20);
    expect(report.findings.find((x) => x.id === 'crashkernel-size')?.message).toMatch(
      /less than the .* this host needs/,
    );
  });

  it('no space: free space comes from the sosreport df, not from this machine', async () => {
    const { snap, report } = await check('no-space');
    expect(snap.dumpTarget.freeBytes).toMatchObject({ value: 102400 * 1024, method: 'df' });
    expect(report.findings.find((x) => x.id === 'dump-target-space')?.message).toMatch(
      /100 MiB free at \/var\/crash/,
    );
  });

  it('RHEL ranges resolve against System RAM; SUSE ,high+,low counts both ranges', async () => {
    const rhel = (await check('rhel-ready')).report;
    expect(rhel.crashkernel.requested).toEqual(['1G-4G:192M,4G-64G:256M,64G-:512M']);
    expect(rhel.checks.find((c) => c.id === 'crashkernel-requested')?.message).toMatch(
      /asks for 256M/,
    );
    const suse = await check('suse-ready');
    expect(suse.report.crashkernel.reservedBytes).toBe((242 + 72) * 2 ** 20);
    expect(suse.report.checks.find((c) => c.id === 'crashkernel-low')?.status).toBe('pass');
    expect(suse.snap.kdump?.flavor).toBe('suse');
  });

  it('broken RHEL config: deprecated and empty directives named with their line', async () => {
    const { report } = await check('broken-config');
    const c = report.checks.find((x) => x.id === 'kdump-config-syntax');
    expect(c?.evidence).toContain(
      "/etc/kdump.conf:3: 'net' is deprecated; kdumpctl refuses to start: net my.server:/export",
    );
    expect(
      c?.evidence.some((e) => e.startsWith("/etc/kdump.conf:4: 'failure_action' needs a value")),
    ).toBe(true);
  });

  it('garbage /proc files: named findings, never a throw', async () => {
    const { report } = await check('garbage-proc');
    const hf = report.findings.find((x) => x.id === 'host-files-readable');
    expect(hf?.message).toMatch(/\/proc\/iomem \(garbage/);
    expect(report.findings.find((x) => x.id === 'capture-kernel-loaded')?.message).toMatch(
      /kexec_crash_loaded: garbage .*banana/,
    );
  });

  it('fadump host on ppc64le needs no kexec capture kernel', async () => {
    const { report } = await check('fadump-ppc64le');
    expect(report.checks.find((c) => c.id === 'fadump')?.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'capture-kernel-loaded')?.message).toMatch(
      /fadump is registered/,
    );
  });
});

describe('readHostSnapshot edge cases', () => {
  it('a sysroot that is not a directory is a SysrootError', async () => {
    await expect(
      readHostSnapshot(join(testdata, 'debian-ready', 'expected.json')),
    ).rejects.toBeInstanceOf(SysrootError);
  });

  it('an empty tree: nothing readable, not ready, no throw', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdf-empty-'));
    try {
      const report = evaluateReadiness(await readHostSnapshot(dir));
      expect(report.ready).toBe(false);
      expect(report.kernelRelease).toBeNull();
      expect(report.findings.map((f) => f.id)).toContain('capture-kernel-loaded');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('a symlink loop in the tree is reported, not followed forever', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdf-loop-'));
    try {
      await cp(join(testdata, 'debian-ready', 'root'), dir, {
        recursive: true,
        verbatimSymlinks: true,
      });
      const { symlink, rm: rmf } = await import('node:fs/promises');
      await rmf(join(dir, 'var/lib/kdump/vmlinuz'));
      await symlink('/var/lib/kdump/vmlinuz', join(dir, 'var/lib/kdump/vmlinuz'));
      const snap = await readHostSnapshot(dir);
      expect(snap.capture.kernel).toMatchObject({ state: 'unreadable', detail: 'symlink loop' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('the running host (/) is read without throwing', async () => {
    const report = evaluateReadiness(await readHostSnapshot('/'));
    expect(readinessReportSchema.safeParse(report).success).toBe(true);
    console.log(
      `smoke test on /: ${report.verdict}; ${report.findings.map((f) => `${f.severity}:${f.id}`).join(' ')}`,
    );
  });
});
