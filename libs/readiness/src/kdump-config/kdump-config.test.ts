import { describe, expect, it } from 'vitest';
import { readDebianConfig } from './debian.js';
import { parseMakedumpfileArgs } from './dump-level.js';
import { readKdumpfleetConfig } from './kdumpfleet.js';
import { readRhelConfig } from './rhel.js';
import { parseShellVars } from './shell-vars.js';
import { readSuseConfig } from './suse.js';

describe('parseShellVars', () => {
  it('reads quotes, export, comments and earlier variables', () => {
    const r = parseShellVars('# c\nexport A="x y"\nB=\'$A\'\nC=${A}-z # trailing\nD=plain\n');
    expect(r.errors).toEqual([]);
    expect(r.vars.get('A')?.value).toBe('x y');
    expect(r.vars.get('B')?.value).toBe('$A');
    expect(r.vars.get('C')?.value).toBe('x y-z');
    expect(r.vars.get('D')?.line).toBe(5);
  });

  it('reports lines a shell would choke on, with their numbers', () => {
    const r = parseShellVars('A="open\nif [ -x foo ]; then\nB=a b\nC=`date`\n');
    expect(r.errors.map((e) => [e.line, e.reason])).toEqual([
      [1, 'unterminated double quote'],
      [2, 'not a KEY=value assignment'],
      [3, 'unquoted space in value'],
      [4, "shell syntax '`' is not a plain value"],
    ]);
  });
});

describe('kdump configurations', () => {
  it('Debian: defaults, remote targets, unknown keys', () => {
    const c = readDebianConfig('USE_KDUMP=1\nSSH="root@vault"\nKDUMP_COREDIRR=/x\n');
    expect(c).toMatchObject({
      enabled: true,
      dumpDir: '/var/crash',
      remoteTarget: 'ssh:root@vault',
      dumpLevel: 31,
      compressed: true,
    });
    expect(c.files[0]?.unknownKeys).toEqual([{ line: 3, key: 'KDUMP_COREDIRR' }]);
    expect(readDebianConfig('').enabled).toBe(false);
  });

  it('RHEL: fs target, core_collector, KEXEC_ARGS from sysconfig', () => {
    const c = readRhelConfig(
      'xfs UUID=abcd\npath /crash\ncore_collector makedumpfile -c -d 17\n',
      'KEXEC_ARGS="-s"\nBOGUS=1\n',
    );
    expect(c).toMatchObject({
      targetDevice: 'UUID=abcd',
      dumpDir: '/crash',
      dumpLevel: 17,
      compressed: true,
      kexecArgs: '-s',
    });
    expect(c.files[1]?.unknownKeys).toEqual([{ line: 2, key: 'BOGUS' }]);
    const two = readRhelConfig('nfs a:/b\nssh c@d\n', null);
    expect(two.files[0]?.errors.some((e) => e.reason === 'more than one dump target')).toBe(true);
  });

  it('SUSE: KDUMP_SAVEDIR URLs and formats', () => {
    expect(readSuseConfig('KDUMP_SAVEDIR="file:///srv/dumps"\n')).toMatchObject({
      dumpDir: '/srv/dumps',
      remoteTarget: null,
      dumpLevel: 31,
    });
    expect(readSuseConfig('KDUMP_SAVEDIR="ssh://u@h/d"\nKDUMP_DUMPFORMAT=ELF\n')).toMatchObject({
      remoteTarget: 'ssh://u@h/d',
      compressed: false,
    });
    expect(readSuseConfig('KDUMP_DUMPLEVEL=lots\n').files[0]?.errors[0]?.reason).toMatch(
      /not a number/,
    );
  });

  it('kdumpfleet: garbage JSON is a parse error', () => {
    expect(readKdumpfleetConfig('{nope').files[0]?.errors[0]?.reason).toMatch(/invalid JSON/);
    expect(readKdumpfleetConfig('{"dumpDirs":["/srv/crash"],"dumpLevel":1}')).toMatchObject({
      dumpDir: '/srv/crash',
      dumpLevel: 1,
    });
  });

  it('makedumpfile arguments', () => {
    expect(parseMakedumpfileArgs('-l --message-level 7 -d 31')).toEqual({
      dumpLevel: 31,
      compressed: true,
    });
    expect(parseMakedumpfileArgs('-E -d1')).toEqual({ dumpLevel: 1, compressed: false });
    expect(parseMakedumpfileArgs('--dump-level=0 -F')).toEqual({ dumpLevel: 0, compressed: false });
  });
});
