import { join } from 'node:path';
import { readHostSnapshot } from '@kdumpfleet/readiness';
import { describe, expect, it } from 'vitest';
import { planArm, type ArmOptions } from './arm-plan.js';

const testdata = join(import.meta.dirname, '..', '..', '..', '..', 'libs', 'readiness', 'testdata');
const snap = (name: string) => readHostSnapshot(join(testdata, name, 'root'));
const opts: ArmOptions = {
  own: false,
  allowKexecLoad: false,
  captureKernel: null,
  captureInitrd: null,
  cmdlineAppend: '',
  kexecArgs: '',
};

describe('planArm', () => {
  it('defers to kdump-tools on a Debian host that uses it, to kdumpctl on RHEL', async () => {
    const deb = planArm(await snap('debian-ready'), opts);
    expect(deb).toMatchObject({
      kind: 'defer',
      tool: 'kdump-tools',
      argv: ['kdump-config', 'load'],
    });
    const rhel = planArm(await snap('rhel-ready'), opts);
    expect(rhel).toMatchObject({ kind: 'defer', tool: 'kdumpctl' });
  });

  it('with --own: kexec -s -p first, the capture command line without crashkernel', async () => {
    const p = planArm(await snap('debian-ready'), { ...opts, own: true });
    expect(p.kind).toBe('load');
    if (p.kind !== 'load') return;
    expect(p.attempts.map((a) => a.method)).toEqual(['kexec_file_load']);
    expect(p.attempts[0]!.argv.slice(0, 2)).toEqual(['-s', '-p']);
    expect(p.cmdline).not.toMatch(/crashkernel=/);
    expect(p.cmdline).toMatch(/irqpoll nr_cpus=1 reset_devices/);
  });

  it('adds the kexec_load fallback only when allowed and not disabled', async () => {
    const allowed = planArm(await snap('debian-ready'), {
      ...opts,
      own: true,
      allowKexecLoad: true,
    });
    expect(allowed.kind === 'load' && allowed.attempts.map((a) => a.method)).toEqual([
      'kexec_file_load',
      'kexec_load',
    ]);
    const disabled = planArm(await snap('kexec-load-disabled'), {
      ...opts,
      own: true,
      allowKexecLoad: true,
    });
    expect(disabled.kind === 'load' && disabled.attempts.map((a) => a.method)).toEqual([
      'kexec_file_load',
    ]);
  });

  it('never falls back to kexec_load under lockdown or secure boot', async () => {
    for (const name of ['lockdown-kexec-load', 'secure-boot-kexec-load']) {
      const p = planArm(await snap(name), { ...opts, own: true, allowKexecLoad: true });
      expect(p.kind).toBe('load');
      if (p.kind !== 'load') continue;
      expect(p.attempts.map((a) => a.method)).toEqual(['kexec_file_load']);
      expect(p.why.join(' ')).toMatch(/lockdown|secure boot/);
    }
  });
});
