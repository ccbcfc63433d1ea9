// Hostile and random input: never a throw, always bounded time.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_REPORTS, parseKernelLog } from './index.js';

const fixtures = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
);
const softlockup = readFileSync(join(fixtures, 'vmcores', 'k612-softlockup', 'dmesg.txt'), 'utf8');

const fragments = [
  'BUG: kernel NULL pointer dereference, address: 0000000000000000',
  'Oops: 0002 [#1] PREEMPT SMP NOPTI',
  'RIP: 0010:',
  'RIP: 0010:foo+0x1/0x2 [bar]',
  ' ? baz+0x10/0x20',
  ' <IRQ>',
  ' </TASK>',
  'Call Trace:',
  'Kernel panic - not syncing: ',
  'INFO: task ',
  'list_add corruption. ',
  'kernel BUG at x.c:1!',
  'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2',
  'CPU: 1 PID: 2 Comm: x Tainted: G  OE 6.1.0',
  '[    1.000000] ',
  '[  202.652969][ T9969] ',
  '\n',
  '+0x',
  'sysrq: Trigger a crash',
];

describe('robustness', () => {
  it('random text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        const r = parseKernelLog(s);
        expect(Array.isArray(r.reports)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('shuffled report fragments never throw and stay within the report cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...fragments), { maxLength: 400 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 50 }),
        (parts, junk) => {
          const r = parseKernelLog([...parts, ...junk].join('\n'));
          expect(r.reports.length).toBeLessThanOrEqual(MAX_REPORTS);
          if (r.primary) expect(r.primary.signature).toMatch(/^[0-9a-f]{20}$/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('truncated and bit-flipped real logs never throw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: softlockup.length }),
        fc.array(fc.nat({ max: softlockup.length - 1 }), { maxLength: 40 }),
        (cut, flips) => {
          const chars = softlockup.slice(0, cut).split('');
          for (const f of flips)
            if (f < chars.length) chars[f] = String.fromCharCode(chars[f]!.charCodeAt(0) ^ 0x20);
          parseKernelLog(chars.join(''));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('huge inputs run in bounded time: 20 MB of headers, 1 MB lines, 100k frames', () => {
    const started = performance.now();
    const headers = 'BUG: kernel NULL pointer dereference, address: 0\n'.repeat(400_000);
    const r1 = parseKernelLog(headers);
    expect(r1.reports.length).toBe(MAX_REPORTS);
    parseKernelLog(
      'RIP: 0010:' + 'a'.repeat(1_000_000) + '\n' + ' '.repeat(1_000_000) + '+0x1/0x2',
    );
    parseKernelLog('Call Trace:\n' + ' f+0x1/0x2 [m]\n'.repeat(100_000));
    parseKernelLog('['.repeat(500_000) + ' ' + '0'.repeat(500_000));
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
