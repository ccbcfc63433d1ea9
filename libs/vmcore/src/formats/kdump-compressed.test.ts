import { describe, expect, it } from 'vitest';
import { PageNotPresentError, VmcoreFormatError } from '../errors.js';
import { BufferSource } from '../source/buffer-source.js';
import {
  buildKdumpCompressed,
  concat,
  elfNote,
  patternPage,
  prstatus,
} from '../testing/kdump-builder.js';
import { lzoCompressPages } from '../testing/lzo.js';
import { KdumpCompressedDump } from './kdump-compressed.js';

const VMCOREINFO =
  'OSRELEASE=6.1.0-test\nPAGESIZE=4096\nBUILD-ID=00112233445566778899aabbccddeeff00112233\nCRASHTIME=1700000123\n';

async function open(bytes: Uint8Array): Promise<KdumpCompressedDump> {
  return KdumpCompressedDump.open(new BufferSource(bytes));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('kdump-compressed header versions', () => {
  for (const version of [1, 2, 3, 4, 5, 6]) {
    it(`reads the fields of header_version ${version} and its pages`, async () => {
      const notes = concat(
        elfNote('CORE', 1, prstatus(42, 0xffffffff81000010n)),
        elfNote('VMCOREINFO', 0, new TextEncoder().encode(VMCOREINFO)),
      );
      const bytes = buildKdumpCompressed({
        headerVersion: version,
        maxMapnr: 64,
        pages: [{ pfn: 3, data: patternPage(3), store: 'zlib' }],
        vmcoreinfo: VMCOREINFO,
        notes,
        physBase: 0x2000000n,
        nrCpus: 2,
        timestampSec: 1_700_000_001n,
        utsname: { release: `6.1.0-v${version}`, machine: 'x86_64' },
      });
      const d = await open(bytes);
      expect(d.header.headerVersion).toBe(version);
      expect(d.header.blockSize).toBe(4096);
      expect(d.header.nrCpus).toBe(2);
      expect(d.header.timestamp.sec).toBe(1_700_000_001n);
      expect(d.header.timestamp.usec).toBe(123_456n);
      expect(d.headerUtsname.release).toBe(`6.1.0-v${version}`);
      expect(d.headerUtsname.machine).toBe('x86_64');
      expect(d.physBase).toBe(0x2000000n);
      expect(d.subHeader.dumpLevel).toBe(31);
      expect(d.subHeader.endPfn === undefined).toBe(version < 2);
      expect(d.subHeader.offsetVmcoreinfo === undefined).toBe(version < 3);
      expect(d.subHeader.offsetNote === undefined).toBe(version < 4);
      expect(d.subHeader.offsetEraseinfo === undefined).toBe(version < 5);
      expect(d.subHeader.maxMapnr64).toBe(version >= 6 ? 64n : undefined);
      // VMCOREINFO from v3, NT_PRSTATUS notes from v4
      expect(d.vmcoreinfo?.osRelease).toBe(version >= 3 ? '6.1.0-test' : undefined);
      expect(d.cpus.length).toBe(version >= 4 ? 1 : 0);
      if (version >= 4) {
        expect(d.cpus[0]!.pid).toBe(42);
        expect(d.cpus[0]!.registers.rip).toBe(0xffffffff81000010n);
      }
      expect(d.compression).toBe('zlib');
      expect(await d.readPhysical(3n * 4096n + 100n, 16)).toEqual(
        patternPage(3).subarray(100, 116),
      );
    });
  }
});

describe('kdump-compressed pages', () => {
  const pfns = [1, 2, 5, 9, 70, 300];
  const kinds = ['none', 'zlib', 'snappy', 'zstd'] as const;

  for (const kind of kinds) {
    it(`reads ${kind} pages at the right pfns through the rank index`, async () => {
      const bytes = buildKdumpCompressed({
        maxMapnr: 512,
        pages: pfns.map((pfn) => ({ pfn, data: patternPage(pfn), store: kind })),
      });
      const d = await open(bytes);
      expect(d.compression).toBe(kind);
      for (const pfn of pfns) expect(await d.readPage(pfn)).toEqual(patternPage(pfn));
      // a read across two dumped pages (1 and 2)
      const across = await d.readPhysical(4096n + 4000n, 200);
      expect(across).toEqual(
        concat(patternPage(1).subarray(4000), patternPage(2).subarray(0, 104)),
      );
    });
  }

  const lzoPages = pfns.map((pfn) => patternPage(pfn));
  const lzo = lzoCompressPages([
    ...lzoPages,
    new Uint8Array(4096),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
  ]);
  if (!lzo)
    console.warn(
      'python3-lzo is not installed (apt-get install python3-lzo): liblzo-made lzo page test skipped',
    );
  it.skipIf(!lzo)('reads lzo1x pages made by liblzo2 (python3-lzo)', async () => {
    const compressed = new Map(pfns.map((pfn, i) => [pfn, lzo![i]!]));
    const bytes = buildKdumpCompressed({
      maxMapnr: 512,
      pages: pfns.map((pfn) => ({ pfn, data: patternPage(pfn), store: 'lzo' as const })),
      lzo: (page) =>
        compressed.get(pfns.find((p) => patternPage(p).every((b, i) => b === page[i]))!)!,
    });
    const d = await open(bytes);
    expect(d.compression).toBe('lzo');
    for (const pfn of pfns) expect(await d.readPage(pfn)).toEqual(patternPage(pfn));
  });

  it('tells excluded pages from missing ones, and never returns zeros for them', async () => {
    const bytes = buildKdumpCompressed({
      maxMapnr: 128,
      pages: [{ pfn: 4, data: patternPage(4), store: 'zlib' }],
      excluded: [5, 6],
    });
    const d = await open(bytes);
    const err = async (pfn: number): Promise<PageNotPresentError> => {
      try {
        await d.readPage(pfn);
      } catch (e) {
        return e as PageNotPresentError;
      }
      throw new Error(`pfn ${pfn} read without error`);
    };
    expect((await err(5)).code).toBe('EXCLUDED');
    expect((await err(6)).paddr).toBe(6n * 4096n);
    expect((await err(7)).code).toBe('MISSING');
    expect((await err(128)).code).toBe('MISSING'); // beyond max_mapnr
    expect(await codeOf(d.readPhysical(4n * 4096n + 4090n, 10))).toBe('EXCLUDED'); // runs into pfn 5
  });

  it('reports the INCOMPLETE flag and lost pages (zeroed descriptors)', async () => {
    const bytes = buildKdumpCompressed({
      maxMapnr: 64,
      incomplete: true,
      pages: [
        { pfn: 1, data: patternPage(1), store: 'zlib' },
        { pfn: 2, data: patternPage(2), store: 'lost' },
      ],
    });
    const d = await open(bytes);
    expect(d.incomplete).toBe(true);
    expect(await d.readPage(1)).toEqual(patternPage(1));
    expect(await codeOf(d.readPage(2))).toBe('LOST');
  });

  it('reports pages whose descriptors were never written (file cut short) as lost', async () => {
    const full = buildKdumpCompressed({
      maxMapnr: 64,
      incomplete: true,
      pages: [1, 2, 3].map((pfn) => ({ pfn, data: patternPage(pfn), store: 'none' as const })),
    });
    // cut inside the descriptor table: header + sub header + bitmaps + 1 descriptor
    const cut = full.subarray(0, 4 * 4096 + 24 + 8);
    const d = await open(cut);
    expect(await codeOf(d.readPage(1))).toBe('LOST'); // its data was beyond the cut
    expect(await codeOf(d.readPage(3))).toBe('LOST');
  });

  it('rejects corrupt compressed pages with a typed error', async () => {
    const bytes = buildKdumpCompressed({
      maxMapnr: 64,
      pages: [{ pfn: 1, data: patternPage(1), store: 'zlib' }],
    });
    const at = bytes.length - 20;
    bytes[at] = bytes[at]! ^ 0xff;
    bytes[at + 1] = bytes[at + 1]! ^ 0xff;
    const d = await open(bytes);
    const e = await d.readPage(1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VmcoreFormatError);
    expect((e as VmcoreFormatError).code).toBe('BAD_PAGE');
  });
});

describe('kdump-compressed hostile headers', () => {
  const base = (): Uint8Array =>
    buildKdumpCompressed({
      maxMapnr: 64,
      pages: [{ pfn: 1, data: patternPage(1) }],
      vmcoreinfo: VMCOREINFO,
    });
  const patch = (f: (v: DataView) => void): Uint8Array => {
    const b = base();
    f(new DataView(b.buffer, b.byteOffset, b.byteLength));
    return b;
  };
  it.each([
    ['bad signature', (v: DataView) => v.setUint8(0, 0x41), 'BAD_SIGNATURE'],
    ['header_version 7', (v: DataView) => v.setInt32(8, 7, true), 'UNSUPPORTED_VERSION'],
    ['block_size 3', (v: DataView) => v.setInt32(428, 3, true), 'BAD_HEADER'],
    ['huge bitmap_blocks', (v: DataView) => v.setUint32(436, 0xfffffffe, true), 'TRUNCATED'],
    ['odd bitmap_blocks', (v: DataView) => v.setUint32(436, 3, true), 'BAD_HEADER'],
    [
      'huge max_mapnr_64',
      (v: DataView) => v.setBigUint64(4096 + 96, 1n << 62n, true),
      'LIMIT_EXCEEDED',
    ],
    ['huge sub_hdr_size', (v: DataView) => v.setInt32(432, 0x7fffffff, true), 'BAD_HEADER'],
  ])('%s → %s', async (_name, mutate, code) => {
    expect(await codeOf(open(patch(mutate)))).toBe(code);
  });

  it('ignores VMCOREINFO/notes offsets outside the file, with a warning', async () => {
    const d = await open(
      patch((v) => {
        v.setBigInt64(4096 + 32, 1n << 40n, true);
        v.setBigUint64(4096 + 40, 1n << 40n, true);
      }),
    );
    expect(d.vmcoreinfo).toBeNull();
    expect(d.warnings.join(' ')).toMatch(/offset_vmcoreinfo/);
  });

  it('clamps max_mapnr to what the bitmap can hold', async () => {
    const d = await open(patch((v) => v.setBigUint64(4096 + 96, 1n << 30n, true)));
    expect(d.maxMapnr).toBe(4096 * 8);
    expect(await codeOf(d.readPage(1 << 20))).toBe('MISSING');
  });
});

describe('kdump-compressed cut short after makedumpfile finished', () => {
  it('reports incomplete when the last page data is beyond the end of the file', async () => {
    const full = buildKdumpCompressed({
      maxMapnr: 64,
      pages: [1, 2, 3].map((pfn) => ({ pfn, data: patternPage(pfn), store: 'zlib' as const })),
    });
    expect((await open(full)).incomplete).toBe(false);
    const d = await open(full.subarray(0, full.length - 10));
    expect(d.incomplete).toBe(true);
    expect(d.warnings.join(' ')).toMatch(/last page/);
    expect(await d.readPage(1)).toEqual(patternPage(1));
    expect(await codeOf(d.readPage(3))).toBe('LOST');
  });
});
