import { compress } from 'zstd-napi';
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  openVmcore,
  PageNotPresentError,
  RangedReadSource,
  VmcoreContainerError,
  VmcoreFormatError,
} from './index.js';
import { buildKdumpCompressed, patternPage } from './testing/kdump-builder.js';

const INFO =
  'OSRELEASE=6.1.0-synthetic\nPAGESIZE=4096\nBUILD-ID=abcdef0123456789abcdef0123456789abcdef01\nCRASHTIME=1700000000\n';

describe('openVmcore', () => {
  const dump = buildKdumpCompressed({
    maxMapnr: 256,
    pages: [10, 11, 200].map((pfn) => ({ pfn, data: patternPage(pfn), store: 'zlib' as const })),
    excluded: [12],
    vmcoreinfo: INFO,
    utsname: { release: '6.1.0-synthetic', version: '#1 SMP synthetic', machine: 'x86_64' },
  });

  it('opens a kdump-compressed dump and exposes its metadata', async () => {
    const v = await openVmcore(new BufferSource(dump));
    expect(v.container).toBe('none');
    expect(v.format).toBe('kdump-compressed');
    expect(v.compression).toBe('zlib');
    expect(v.incomplete).toBe(false);
    expect(v.utsname.version).toBe('#1 SMP synthetic');
    expect(v.buildId).toBe('abcdef0123456789abcdef0123456789abcdef01');
    expect(v.crashTime?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(await v.readPhysical(200n * 4096n, 8)).toEqual(patternPage(200).subarray(0, 8));
    const e = await v.readPhysical(12n * 4096n, 8).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PageNotPresentError);
    expect((e as PageNotPresentError).code).toBe('EXCLUDED');
    await v.close();
  });

  it('reads through a ranged-read function (object store style), counting bytes at the bottom only', async () => {
    let calls = 0;
    const src = new RangedReadSource(dump.length, (o, l) => {
      calls++;
      return Promise.resolve(dump.slice(o, o + l));
    });
    const v = await openVmcore(src);
    await v.readPhysical(10n * 4096n, 1);
    const callsAfterFirst = calls;
    for (let i = 1; i < 50; i++) await v.readPhysical(10n * 4096n + BigInt(i), 1);
    // repeated small reads hit the page and block caches, not the backend
    expect(calls).toBe(callsAfterFirst);
    expect(v.bytesRead).toBe(src.bytesRead);
    // the file is read about once (+ the 32-byte container sniff)
    expect(v.bytesRead).toBeLessThanOrEqual(dump.length + 32);
  });

  it('reports a plain zstd stream as needing decompression', async () => {
    const z = compress(Buffer.from(dump));
    const e = await openVmcore(new BufferSource(z)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VmcoreContainerError);
    expect((e as VmcoreContainerError).code).toBe('NEEDS_DECOMPRESSION');
  });

  it('names the container the caller unwrapped', async () => {
    const v = await openVmcore(new BufferSource(dump), { containerHint: 'zstd' });
    expect(v.container).toBe('zstd');
  });

  it('rejects empty and unknown inputs with one-line typed errors', async () => {
    await expect(openVmcore(new BufferSource(new Uint8Array(0)))).rejects.toMatchObject({
      code: 'EMPTY',
    });
    const e = await openVmcore(
      new BufferSource(new TextEncoder().encode('just some text, not a dump')),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VmcoreFormatError);
    expect((e as VmcoreFormatError).code).toBe('UNKNOWN_FORMAT');
    expect((e as Error).message).not.toContain('\n');
  });

  it('fails dmesg and kallsyms with MISSING_VMCOREINFO-style errors when the kernel data is absent', async () => {
    const v = await openVmcore(new BufferSource(dump));
    await expect(v.readKernelLog()).rejects.toMatchObject({ code: 'MISSING_VMCOREINFO' });
    await expect(v.kallsyms()).rejects.toMatchObject({ code: 'MISSING_VMCOREINFO' });
  });
});
