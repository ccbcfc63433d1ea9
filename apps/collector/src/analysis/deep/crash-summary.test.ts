import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  crashSummary,
  parseCrashBacktraces,
  parseCrashModules,
  parseCrashTaskStates,
} from './crash-summary.js';

const fixtures = join(
  fileURLToPath(new URL('../../../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
  'vmcores',
);
const read = (f: string, n: string) => readFileSync(join(fixtures, f, n), 'latin1');

describe('crash(8) output → summary', () => {
  it('bt of an oops: task line, frames with modules, the exception RIP', () => {
    const [t] = parseCrashBacktraces(read('k61-null-deref', 'crash-bt.txt'));
    expect(t).toMatchObject({ pid: 129, cpu: 1, comm: 'sh' });
    expect(t!.frames.slice(0, 3)).toEqual(['machine_kexec', '__crash_kexec', 'crash_kexec']);
    expect(t!.frames).toContain('crashlab_null_write+38 (exception RIP)');
    expect(t!.frames).toContain('crashlab_trigger_write [crashlab]');
  });
  it('ps states counted, the > marker ignored', () => {
    expect(parseCrashTaskStates(read('k61-null-deref', 'crash-ps.txt'))).toEqual({ RU: 3 });
  });
  it('module taints from mod -t, else from the log', () => {
    const mod =
      'ffffffffc037c040  crashlab  ffffffffc037a000  16384  (not loaded)  [CONFIG_KALLSYMS]\nffffffffc03a8340  virtio_blk  ffffffffc03a3000  28672  (not loaded)  [CONFIG_KALLSYMS]\n';
    expect(parseCrashModules(mod, 'NAME      TAINTS\ncrashlab  OE\n', null)).toEqual([
      { name: 'crashlab', taint: 'OE' },
      { name: 'virtio_blk', taint: null },
    ]);
    expect(
      parseCrashModules(mod, '', '[ 1.0] Modules linked in: crashlab(OE) virtio_blk\n')[0],
    ).toEqual({ name: 'crashlab', taint: 'OE' });
  });
  it('summary: panic string from sys without the "(check log…)" note', () => {
    const s = crashSummary(
      new Map([
        ['crash-sys.txt', read('k61-null-deref', 'crash-sys.txt')],
        ['crash-bt.txt', read('k61-null-deref', 'crash-bt.txt')],
      ]),
      null,
      [],
    );
    expect(s.panic).toBe('Oops: 0002 [#1] PREEMPT SMP NOPTI');
    expect(s.release).toBe('6.1.0-56-cloud-amd64');
    expect(s.panicTask?.comm).toBe('sh');
    const p = crashSummary(
      new Map([['crash-sys.txt', read('k61-panic-flattened', 'crash-sys.txt')]]),
      null,
      [],
    );
    expect(p.panic).toBe('Kernel panic - not syncing: crashlab: deliberate panic 42');
    expect(p.panicTask).toBeNull();
  });
});
