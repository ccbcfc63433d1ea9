import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestChecks, splitKernels } from './console.js';
import { repoRoot } from './paths.js';
import { buildRunScript } from './run-script.js';
import { CONTROL_SCENARIO, CRASH_SCENARIOS, findScenario, HANG_SCENARIOS } from './scenarios.js';
import { verifyCrash, verifyGuest } from './verify.js';

const fixtures = join(repoRoot, '..', 'shared', 'fixtures');

describe('run.sh generation', () => {
  it('gives a crash a boot of its own', () => {
    const oops = findScenario('oops');
    const rtnl = findScenario('rtnl');
    if (!oops || !rtnl) throw new Error('scenario table lost oops or rtnl');
    expect(() => buildRunScript([oops, rtnl])).toThrow(/boot of its own/);
  });

  it.each(CRASH_SCENARIOS)('$name: sets its sysctls, arms, then triggers', (s) => {
    const script = buildRunScript([s]);
    const arm = script.indexOf('echo 1 > $K/arm');
    const trigger = script.indexOf(`echo ${s.trigger} > $K/trigger`);
    expect(arm).toBeGreaterThan(0);
    expect(trigger).toBeGreaterThan(arm);
    for (const [k, v] of Object.entries(s.settings))
      expect(script.indexOf(`setsys ${k} ${v}`)).toBeLessThan(arm);
    expect(script.slice(trigger).split('\n')[0]?.endsWith('&')).toBe(s.background);
  });

  it.each([...HANG_SCENARIOS, CONTROL_SCENARIO])(
    '$name: its script reports every check it declares',
    (s) => {
      const script = buildRunScript([s]);
      for (const c of s.checks) expect(script).toMatch(new RegExp(`(check|refuse) ${c} `));
    },
  );
});

describe('verdicts', () => {
  it('tells a report from another module apart (fixture oops from crashlab, not kfault)', () => {
    const oops = findScenario('oops');
    if (oops?.kind !== 'crash') throw new Error('oops is not a crash scenario');
    const log = readFileSync(join(fixtures, 'vmcores', 'k61-null-deref', 'dmesg.txt'), 'utf8');
    const v = verifyCrash(oops, log);
    expect(v.kind).toBe('null-deref');
    expect(v.missing).toEqual(['RIP: 0010:kfault_oops\\+']);
    expect(v.ok).toBe(false);
  });

  it('expects an RCU stall for hardlockup only when kfault said no detector runs', () => {
    const s = findScenario('hardlockup');
    if (s?.kind !== 'crash') throw new Error('hardlockup is not a crash scenario');
    expect(s.expect('kfault: hardlockup: no hard-lockup detector is running').kind).toBe(
      'rcu-stall',
    );
    expect(s.expect('NMI watchdog: Enabled.').kind).toBe('hard-lockup');
  });

  it('fails a hang run with a failed, a missing check or a capture kernel', () => {
    const rtnl = HANG_SCENARIOS[0];
    if (!rtnl) throw new Error('no hang scenarios');
    const all = rtnl.checks.map((c) => `KDLAB: check ${c} ok`).join('\n');
    const good = `[    0.000000] Linux version 6.1\n${all}\nKDLAB: done\n`;
    expect(verifyGuest([rtnl], good).ok).toBe(true);
    expect(verifyGuest([rtnl], good.replace(' ok\n', ' fail (x)\n')).failed).toHaveLength(1);
    expect(verifyGuest([rtnl], good.replace(/KDLAB: check rtnl-status ok\n/, '')).missing).toEqual([
      'rtnl-status',
    ]);
    const crashed = `${good}[    0.000000] Linux version 6.1\nKDLAB: capture kernel up\n`;
    expect(verifyGuest([rtnl], crashed).panicked).toBe(true);
    expect(splitKernels(crashed).capture).toContain('capture kernel up');
    expect(guestChecks('KDLAB: check a-b fail (x y)\r\n')).toEqual([
      { name: 'a-b', ok: false, detail: '(x y)' },
    ]);
  });
});
