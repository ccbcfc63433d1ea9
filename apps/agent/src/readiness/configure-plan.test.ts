import { describe, expect, it } from 'vitest';
import { deriveHostFacts, evaluateReadiness, readHostSnapshot } from '@kdumpfleet/readiness';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineDiff } from './line-diff.js';
import { parsePanicOn, planConfigure } from './configure-plan.js';

const testdata = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'libs',
  'readiness',
  'testdata',
);

async function plan(
  name: string,
  existing = { grub: null as string | null, sysctl: null as string | null },
  crashkernel = 'auto',
  panicOn = '',
) {
  const snap = await readHostSnapshot(join(testdata, name, 'root'));
  return planConfigure(snap, deriveHostFacts(snap), evaluateReadiness(snap), existing, {
    crashkernel,
    panicOn: parsePanicOn(panicOn),
  });
}

describe('planConfigure', () => {
  it('a ready host with enough reservation gets no GRUB drop-in', async () => {
    const p = await plan('debian-ready');
    expect(p.files.map((f) => f.path)).toEqual(['/etc/sysctl.d/90-kdumpfleet.conf']);
  });

  it('a too-small reservation gets the recommended size; an explicit size wins', async () => {
    const auto = await plan('reservation-too-small');
    expect(auto.files[0]?.content).toMatch(/crashkernel=(\d+)M"/);
    const mib = Number(/crashkernel=(\d+)M"/.exec(auto.files[0]?.content ?? '')?.[1]);
    expect(mib).toBeGreaterThan(64);
    const fixed = await plan(
      'reservation-too-small',
      { grub: null, sysctl: null },
      '1G-4G:192M,4G-:512M',
    );
    expect(fixed.files[0]?.content).toMatch(/crashkernel=1G-4G:192M,4G-:512M"/);
    expect(fixed.notFixed.map((n) => n.id)).not.toContain('crashkernel-size');
  });

  it('keeps existing sysctl keys and adds opt-in triggers', async () => {
    const p = await plan(
      'panic-on-oops-off',
      { grub: null, sysctl: 'kernel.panic = 30\n' },
      'keep',
      'oom,sysrq',
    );
    const content = p.files.find((f) => f.path.endsWith('90-kdumpfleet.conf'))?.content ?? '';
    expect(content).toMatch(/^kernel\.panic = 30$/m);
    expect(content).toMatch(/^vm\.panic_on_oom = 1$/m);
    expect(content).toMatch(/^kernel\.sysrq = 184$/m); // 176 | 8
    expect(p.notFixed.map((n) => n.id)).not.toContain('panic-on-oops');
  });

  it('lists what it does not fix (other tools own it)', async () => {
    const p = await plan('lockdown-kexec-load');
    expect(p.notFixed.map((n) => n.id)).toEqual(
      expect.arrayContaining(['lockdown-load-method', 'capture-kernel-loaded']),
    );
  });

  it('rejects unknown --panic-on names', () => {
    expect(() => parsePanicOn('oops,moon')).toThrow(/unknown trigger 'oops'/);
  });
});

describe('lineDiff', () => {
  it('marks added, removed and kept lines', () => {
    expect(lineDiff('/f', 'a\nb\nc\n', 'a\nc\nd\n')).toBe('--- a/f\n+++ b/f\n a\n-b\n c\n+d');
    expect(lineDiff('/f', null, 'x\n')).toBe('--- /dev/null\n+++ b/f\n+x');
  });
});
