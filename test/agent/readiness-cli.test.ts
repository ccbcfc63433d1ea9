import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readinessReportSchema } from '@kdumpfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built CLI, as a user runs it (npm run build happens before integration tests).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');
const testdata = join(repoRoot, 'libs', 'readiness', 'testdata');

function kdumpfleet(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixtures = (await readdir(testdata, { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('kdumpfleet check (built CLI)', () => {
  for (const name of fixtures) {
    it(`${name}: exit code matches the verdict, JSON validates`, async () => {
      const expected = JSON.parse(
        await readFile(join(testdata, name, 'expected.json'), 'utf8'),
      ) as { ready: boolean; errors: string[] };
      const r = kdumpfleet('check', '--root', join(testdata, name, 'root'), '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(expected.ready ? 0 : 1);
      const report = readinessReportSchema.parse(JSON.parse(r.stdout));
      expect(report.ready).toBe(expected.ready);
      expect(
        report.findings
          .filter((f) => f.severity === 'error')
          .map((f) => f.id)
          .sort(),
      ).toEqual([...expected.errors].sort());
    });
  }

  it('prints a table without --json', () => {
    const r = kdumpfleet('check', '--root', join(testdata, 'no-crashkernel', 'root'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT READY/);
    expect(r.stdout).toMatch(/FAIL\s+error\s+crashkernel-requested/);
  });

  it('exit 2 with one line for a bad root or a bad flag', () => {
    const missing = kdumpfleet('check', '--root', join(testdata, 'no-such-host'), '--json');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no-such-host/);
    const flag = kdumpfleet('check', '--frobnicate');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  it('runs on this machine (/) without error: exit 0 or 1', () => {
    const r = kdumpfleet('check', '--json');
    expect([0, 1]).toContain(r.code);
    readinessReportSchema.parse(JSON.parse(r.stdout));
  });

  it('--help exits 0', () => {
    const r = kdumpfleet('check', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--root DIR/);
  });
});

describe('kdumpfleet configure (built CLI, on a copy of a fixture)', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kdf-configure-'));
    await cp(join(testdata, 'no-crashkernel', 'root'), root, {
      recursive: true,
      verbatimSymlinks: true,
    });
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const r = kdumpfleet('configure', '--root', root, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\+GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=128M"/,
    );
    await expect(readFile(join(root, 'etc/default/grub.d/kdumpfleet.cfg'))).rejects.toThrow(
      /ENOENT/,
    );
  });

  it('refuses to write without --yes when stdin is not a terminal', () => {
    const r = kdumpfleet('configure', '--root', root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  });

  it('writes both drop-ins inside the sysroot, then a second run changes nothing', async () => {
    const first = kdumpfleet('configure', '--root', root, '--yes', '--json');
    expect(first.code).toBe(0);
    const p1 = JSON.parse(first.stdout) as {
      applied: boolean;
      changes: { path: string; action: string }[];
    };
    expect(p1.applied).toBe(true);
    expect(p1.changes.map((c) => [c.path, c.action])).toEqual([
      ['/etc/default/grub.d/kdumpfleet.cfg', 'create'],
      ['/etc/sysctl.d/90-kdumpfleet.conf', 'create'],
    ]);
    expect(await readFile(join(root, 'etc/sysctl.d/90-kdumpfleet.conf'), 'utf8')).toMatch(
      /^kernel\.panic_on_oops = 1$/m,
    );
    // The other tool's files are never touched.
    expect(await readFile(join(root, 'etc/default/kdump-tools'), 'utf8')).toBe(
      await readFile(join(testdata, 'no-crashkernel', 'root', 'etc/default/kdump-tools'), 'utf8'),
    );
    const second = kdumpfleet('configure', '--root', root, '--yes', '--json');
    const p2 = JSON.parse(second.stdout) as { applied: boolean; changes: { action: string }[] };
    expect(p2.applied).toBe(false);
    expect(p2.changes.every((c) => c.action === 'unchanged')).toBe(true);
  });

  it('a bad --crashkernel value is a usage error', () => {
    const r = kdumpfleet('configure', '--root', root, '--dry-run', '--crashkernel', '12Q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--crashkernel: crashkernel=12Q/);
  });
});
