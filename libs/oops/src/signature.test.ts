// Signatures bucket one bug across hosts, boots, KASLR slides and kernel builds, and keep
// different bugs apart.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKernelLog } from './index.js';

const fixtures = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
);
const read = (rel: string) => readFileSync(join(fixtures, rel, 'dmesg.txt'), 'utf8');
const sig = (text: string) => parseKernelLog(text).primary!.signature;

/** Re-prints a log as another boot would: other timestamps, addresses, offsets, PIDs, CPUs. */
function reboot(
  text: string,
  seed: { time: number; addr: bigint; off: number; pid: number; cpu: number },
): string {
  return (
    text
      .replace(/^\[\s*(\d+)\.(\d+)\]/gm, (_m, s: string, us: string) => {
        const t = (Number(s) + seed.time).toFixed(6);
        return `[${t.padStart(12)}]`;
        void us;
      })
      .replace(/\b(?:ff|00)[0-9a-f]{14}\b/g, (h) =>
        ((BigInt(`0x${h}`) ^ seed.addr) & 0xffffffffffffn).toString(16).padStart(16, h.slice(0, 4)),
      )
      // Other build: offsets and sizes shift together (offset == size, a noreturn call's
      // return address, stays so).
      .replace(/\+0x([0-9a-f]+)\/0x([0-9a-f]+)/g, (_m, o: string, s: string) => {
        return `+0x${(parseInt(o, 16) + seed.off).toString(16)}/0x${(parseInt(s, 16) + seed.off).toString(16)}`;
      })
      .replace(/PID: \d+/g, `PID: ${seed.pid}`)
      .replace(/CPU: \d+/g, `CPU: ${seed.cpu}`)
  );
}

const seeds = fc.record({
  time: fc.integer({ min: 0, max: 100_000 }),
  addr: fc.bigInt({ min: 0n, max: 0xffffffffffn }),
  off: fc.integer({ min: 1, max: 0x400 }),
  pid: fc.integer({ min: 1, max: 4_000_000 }),
  cpu: fc.integer({ min: 0, max: 511 }),
});

const crashes = [
  'vmcores/k61-null-deref',
  'vmcores/k61-panic-flattened',
  'vmcores/k61-warn-panic',
  'vmcores/k612-softlockup',
  'logs/k61-bug',
  'logs/k61-list-corruption',
  'logs/k61-oom',
  'logs/k61-sysrq-c',
  'logs/k612-hung-task',
];

describe('signature', () => {
  for (const name of crashes) {
    it(`${name}: same crash at other addresses, times, offsets and PIDs → same signature`, () => {
      const text = read(name);
      const original = parseKernelLog(text).primary!;
      fc.assert(
        fc.property(seeds, (seed) => {
          const again = parseKernelLog(reboot(text, seed)).primary!;
          expect(again.kind).toBe(original.kind);
          expect(again.signature).toBe(original.signature);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('the same NULL dereference on 6.1 and 6.12 (other build, KASLR, CPU) buckets together', () => {
    expect(sig(read('vmcores/k61-null-deref'))).toBe(sig(read('vmcores/k612-null-deref')));
  });

  it('different kinds and culprits get different signatures', () => {
    const all = crashes.map((c) => sig(read(c)));
    expect(new Set(all).size).toBe(all.length);
  });

  it('the same frames under another kind, or another culprit, differ', () => {
    const text = read('vmcores/k61-null-deref');
    const otherCulprit = text.replaceAll('crashlab_null_write', 'crashlab_other_write');
    expect(sig(otherCulprit)).not.toBe(sig(text));
    const otherModule = text.replaceAll('[crashlab]', '[otherlab]');
    expect(sig(otherModule)).not.toBe(sig(text));
    const asPageFault = text.replace(
      'BUG: kernel NULL pointer dereference',
      'BUG: unable to handle page fault for address',
    );
    expect(parseKernelLog(asPageFault).primary!.kind).toBe('page-fault');
    expect(sig(asPageFault)).not.toBe(sig(text));
  });

  it('compiler clone suffixes do not split a bucket', () => {
    const text = read('logs/k61-list-corruption');
    const cloned = text.replace(
      'crashlab_list_corrupt+0x57/0x96',
      'crashlab_list_corrupt.isra.0+0x57/0x96',
    );
    expect(parseKernelLog(cloned).primary!.culprit!.symbol).toBe('crashlab_list_corrupt');
    expect(sig(cloned)).toBe(sig(text));
  });

  it('a panic message differing only in numbers keeps the bucket; other text splits it', () => {
    const text = read('vmcores/k61-panic-flattened');
    expect(sig(text.replace('deliberate panic 42', 'deliberate panic 7'))).toBe(sig(text));
    expect(sig(text.replace('deliberate panic 42', 'accidental panic 42'))).not.toBe(sig(text));
  });
});
