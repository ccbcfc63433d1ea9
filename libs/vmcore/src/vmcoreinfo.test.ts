import { describe, expect, it } from 'vitest';
import { Vmcoreinfo } from './vmcoreinfo.js';

const TEXT = [
  'OSRELEASE=6.1.0-56-cloud-amd64',
  'BUILD-ID=3B43FAD5034874490492495D552C0AF6A5FAB235',
  'PAGESIZE=4096',
  'SYMBOL(init_uts_ns)=ffffffff8bbf9b60',
  'OFFSET(uts_namespace.name)=0',
  'SIZE(printk_info)=88',
  'LENGTH(printk_info_device)=48',
  'NUMBER(phys_base)=-218103808',
  'NUMBER(VMALLOC_START)=0xff523c7340000000',
  'NUMBER(pgtable_l5_enabled)=1',
  'KERNELOFFSET=1a600000',
  'CRASHTIME=1795423331',
  'garbage line without equals',
  '',
].join('\n');

describe('Vmcoreinfo', () => {
  const info = new Vmcoreinfo(TEXT);
  it('parses typed accessors', () => {
    expect(info.osRelease).toBe('6.1.0-56-cloud-amd64');
    expect(info.buildId).toBe('3b43fad5034874490492495d552c0af6a5fab235');
    expect(info.pageSize).toBe(4096);
    expect(info.symbol('init_uts_ns')).toBe(0xffffffff8bbf9b60n);
    expect(info.offset('uts_namespace.name')).toBe(0);
    expect(info.size('printk_info')).toBe(88);
    expect(info.length('printk_info_device')).toBe(48);
    expect(info.kernelOffset).toBe(0x1a600000n);
    expect(info.crashTime?.toISOString()).toBe('2026-11-23T08:42:11.000Z');
    expect(info.pgtableL5Enabled).toBe(true);
    expect(info.number('VMALLOC_START')).toBe(0xff523c7340000000n);
  });
  it('returns phys_base printed as a negative number as its u64 value', () => {
    expect(info.physBase).toBe(BigInt.asUintN(64, -218103808n));
  });
  it('returns undefined for absent or malformed entries', () => {
    expect(info.symbol('nope')).toBeUndefined();
    expect(new Vmcoreinfo('SYMBOL(x)=zz\nPAGESIZE=4k\nCRASHTIME=-1\n').symbol('x')).toBeUndefined();
    expect(new Vmcoreinfo('PAGESIZE=4k\n').pageSize).toBeUndefined();
    expect(new Vmcoreinfo('CRASHTIME=-1\n').crashTime).toBeUndefined();
  });
  it('stops at the first NUL of a note', () => {
    const bytes = new TextEncoder().encode('OSRELEASE=6.1\n\0\0PAGESIZE=1\n');
    expect(Vmcoreinfo.fromBytes(bytes).pageSize).toBeUndefined();
  });
});
