import { describe, expect, it } from 'vitest';
import { argValues, splitCmdline } from './cmdline.js';
import { parseIomem } from './iomem.js';
import { parseMeminfo } from './meminfo.js';
import { mountFor, parseDf, parseMounts } from './mounts.js';

describe('procfs parsers', () => {
  it('cmdline: quotes group, -- ends kernel parameters', () => {
    const a = splitCmdline(
      'root=/dev/sda1 foo="a b" crashkernel=1G-:256M crashkernel=72M,low -- init arg\n',
    );
    expect(a).toEqual(['root=/dev/sda1', 'foo=a b', 'crashkernel=1G-:256M', 'crashkernel=72M,low']);
    expect(argValues(a, 'crashkernel')).toEqual(['1G-:256M', '72M,low']);
  });

  it('iomem: nested Crash kernel ranges, System RAM summed, hidden addresses', () => {
    const t =
      '00001000-0009ffff : System RAM\n00100000-bfffffff : System RAM\n  2b000000-32ffffff : Crash kernel\n';
    const r = parseIomem(t);
    expect(r).toMatchObject({
      crashKernel: [{ start: 0x2b000000, end: 0x32ffffff }],
      addressesHidden: false,
    });
    expect((r as { systemRamBytes: number }).systemRamBytes).toBe(0x9f000 + 0xbff00000);
    expect(parseIomem('00000000-00000000 : System RAM\n')).toMatchObject({ addressesHidden: true });
    expect(parseIomem('garbage')).toHaveProperty('garbage');
  });

  it('meminfo: kB to bytes; garbage named by line', () => {
    expect(parseMeminfo('MemTotal: 1024 kB\nHugePages_Total: 0\n')).toEqual({
      MemTotal: 1048576,
      HugePages_Total: 0,
    });
    expect(parseMeminfo('MemTotal: x\n')).toEqual({
      garbage: `line 1 is not 'Key: N kB': "MemTotal: x"`,
    });
  });

  it('mounts and df: longest mount point wins', () => {
    const m = parseMounts('/dev/a / ext4 rw 0 0\n/dev/b /var xfs ro,noatime 0 0\n');
    if ('garbage' in m) throw new Error('parse');
    expect(mountFor(m, '/var/crash')?.fsType).toBe('xfs');
    expect(mountFor(m, '/variable')?.fsType).toBe('ext4');
    const df = parseDf(
      'Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/a 100 50 50 50% /\n',
    );
    expect(df.get('/')).toBe(50 * 1024);
  });
});
