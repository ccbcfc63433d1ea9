import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVmcoreFile, readKernelLog, type Vmcore } from './index.js';
import {
  decompressZstdToTemp,
  listVmcoreFixtures,
  vmcoreFixturesDir,
  type VmcoreFixture,
} from './testing/fixtures.js';

const fixtures = listVmcoreFixtures();
if (fixtures.length === 0)
  console.warn(`no vmcore fixtures under ${vmcoreFixturesDir}: fixture tests skipped`);

/** open a fixture the way the CLI does: plain .zst is decompressed first, then opened with the hint */
async function openFixture(f: VmcoreFixture, temps: string[]): Promise<Vmcore> {
  if (f.dumpPath.endsWith('.zst')) {
    const tmp = await decompressZstdToTemp(f.dumpPath);
    temps.push(dirname(tmp));
    return openVmcoreFile(tmp, { containerHint: 'zstd' });
  }
  return openVmcoreFile(f.dumpPath);
}

describe.skipIf(fixtures.length === 0).each(fixtures)('fixture $name', (f) => {
  const temps: string[] = [];
  let vmcore: Vmcore;
  beforeAll(async () => {
    vmcore = await openFixture(f, temps);
  }, 60_000);
  afterAll(async () => {
    await vmcore?.close();
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });

  it('reports container, format, compression and completeness as truth.json', () => {
    expect(vmcore.container).toBe(f.truth.container);
    expect(vmcore.format).toBe(f.truth.format);
    expect(vmcore.compression).toBe(f.truth.compression);
    expect(vmcore.incomplete).toBe(f.truth.incomplete);
  });

  it('reports the kernel (utsname, build-id) and crash time as truth.json', () => {
    expect(vmcore.utsname.release).toBe(f.truth.kernel.release);
    expect(vmcore.utsname.version).toBe(f.truth.kernel.version);
    expect(vmcore.utsname.machine).toBe(f.truth.kernel.machine);
    expect(vmcore.buildId).toBe(f.truth.kernel.buildId);
    const iso = vmcore.crashTime ? vmcore.crashTime.toISOString().replace(/\.000Z$/, 'Z') : null;
    expect(iso).toBe(f.truth.crashTime);
  });

  it('extracts the kernel log exactly as makedumpfile --dump-dmesg', async () => {
    const log = await readKernelLog(vmcore);
    const expected = f.dmesg.split('\n');
    const actual = log.text.split('\n');
    // compare line by line first for a readable failure, then the whole text
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (expected[i] !== actual[i])
        expect({ line: i + 1, text: actual[i] }).toEqual({ line: i + 1, text: expected[i] });
    }
    expect(log.text).toBe(f.dmesg);
    expect(log.lines).toBe(f.dmesg.split('\n').length - 1);
  });

  it('resolves symbols through kallsyms consistently with VMCOREINFO', async () => {
    const ks = await vmcore.kallsyms();
    const info = vmcore.vmcoreinfo!;
    for (const name of ['init_uts_ns', '_stext', 'prb', 'init_top_pgt']) {
      const addr = info.symbol(name)!;
      expect(addr, name).toBeDefined();
      const hit = await ks.lookup(addr + 1n);
      expect(await ks.address(name), name).toBe(addr);
      // the symbol at that address (or an alias the kernel lists first) with offset 1
      expect(hit?.address, name).toBe(addr);
      expect(hit?.offset).toBe(1n);
    }
    expect((await ks.lookup(info.symbol('init_uts_ns')!))?.name).toBe('init_uts_ns');
    // a function's size is the gap to the next symbol, and it contains its own code
    const panicAt = (await ks.address('panic'))!;
    const panic = (await ks.lookup(panicAt + 4n))!;
    expect(panic.name).toBe('panic');
    expect(panic.type.toLowerCase()).toBe('t');
    expect(panic.size > 4n).toBe(true);
    expect((await ks.lookup(panicAt + panic.size))?.name).not.toBe('panic');
  });
});

const plainKdump = fixtures.find(
  (f) => f.truth.format === 'kdump-compressed' && f.truth.container === 'none',
);
describe.skipIf(!plainKdump)('a real dump cut short', () => {
  it('opens as incomplete and keeps what is there', async () => {
    const { readFileSync } = await import('node:fs');
    const { BufferSource, openVmcore } = await import('./index.js');
    const bytes = new Uint8Array(readFileSync(plainKdump!.dumpPath));
    const whole = await openVmcore(new BufferSource(bytes));
    expect(whole.incomplete).toBe(false);
    const cut = await openVmcore(
      new BufferSource(bytes.subarray(0, Math.floor(bytes.length * 0.97))),
    );
    expect(cut.incomplete).toBe(true);
    expect(cut.utsname.release).toBe(plainKdump!.truth.kernel.release);
    // the log either comes out whole or the error is typed; a lost page is never read as zeros
    const log = await cut.readKernelLog().catch((e: { code?: string }) => e);
    if ('text' in log) expect(log.text.length).toBeGreaterThan(0);
    else expect(log.code).toBeDefined();
  });
});

const kdumpFixtures = fixtures.filter((f) => f.truth.format === 'kdump-compressed');
describe.skipIf(kdumpFixtures.length === 0).each(kdumpFixtures)('reading cost of $name', (f) => {
  it('open + dmesg + a kallsyms lookup read under 5 % of the file', async () => {
    const { statSync } = await import('node:fs');
    const v = await openVmcoreFile(f.dumpPath);
    try {
      await readKernelLog(v);
      const ks = await v.kallsyms();
      expect((await ks.lookup(v.vmcoreinfo!.symbol('init_uts_ns')!))?.name).toBe('init_uts_ns');
      const size = statSync(f.dumpPath).size;
      expect(v.bytesRead).toBeGreaterThan(0);
      expect(v.bytesRead / size).toBeLessThan(0.05);
    } finally {
      await v.close();
    }
  });
});
