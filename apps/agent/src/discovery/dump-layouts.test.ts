import { describe, expect, it } from 'vitest';
import { capturedAtFromDirName, classifyDumpDir } from './dump-layouts.js';

describe('classifyDumpDir', () => {
  it('kdump-tools: dump.<stamp> complete, dump-incomplete not', () => {
    expect(classifyDumpDir('202611231015', ['dmesg.202611231015', 'dump.202611231015'])).toEqual({
      layout: 'kdump-tools',
      dump: 'dump.202611231015',
      incompleteMarker: null,
      dmesg: 'dmesg.202611231015',
    });
    expect(classifyDumpDir('202611231015', ['dump-incomplete'])?.incompleteMarker).toBe(
      'dump-incomplete',
    );
  });

  it('kdumpfleet: the metadata file names the layout', () => {
    expect(
      classifyDumpDir('202611231015', ['kdumpfleet-capture.json', 'dump.202611231015'])?.layout,
    ).toBe('kdumpfleet');
  });

  it('kdumpctl: vmcore, vmcore-incomplete, vmcore.flat', () => {
    expect(
      classifyDumpDir('127.0.0.1-2026-11-23-10:15:02', ['vmcore', 'vmcore-dmesg.txt']),
    ).toMatchObject({
      layout: 'kdumpctl',
      dump: 'vmcore',
      dmesg: 'vmcore-dmesg.txt',
      incompleteMarker: null,
    });
    expect(
      classifyDumpDir('127.0.0.1-2026-11-23-10:15:02', ['vmcore-incomplete'])?.incompleteMarker,
    ).toBe('vmcore-incomplete');
    expect(classifyDumpDir('10.0.0.5-2026-11-23-10:15:02', ['vmcore.flat'])?.dump).toBe(
      'vmcore.flat',
    );
  });

  it('SUSE: date directory with vmcore and README.txt', () => {
    expect(
      classifyDumpDir('2026-11-23-10:15', ['vmcore', 'README.txt', 'dmesg.txt']),
    ).toMatchObject({
      layout: 'suse',
      dump: 'vmcore',
      dmesg: 'dmesg.txt',
    });
  });

  it('ignores directories that are no dump', () => {
    expect(classifyDumpDir('lost+found', [])).toBeNull();
    expect(classifyDumpDir('linux-image-6.1', ['vmlinuz'])).toBeNull();
  });

  it('reads the capture time from each layout', () => {
    expect(capturedAtFromDirName('202611231015')).toBe('2026-11-23T10:15:00Z');
    expect(capturedAtFromDirName('127.0.0.1-2026-11-23-10:15:02')).toBe('2026-11-23T10:15:02Z');
    expect(capturedAtFromDirName('2026-11-23-10:15')).toBe('2026-11-23T10:15:00Z');
    expect(capturedAtFromDirName('whatever')).toBeNull();
    expect(capturedAtFromDirName('202611231560')).toBeNull();
    expect(capturedAtFromDirName('202613011200')).toBeNull();
  });
});
