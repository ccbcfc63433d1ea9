import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDumpFile } from './dump-file-check.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
const vmcores = join(repoRoot, '..', 'shared', 'fixtures', 'vmcores');
const dir = mkdtempSync(join(tmpdir(), 'kdf-dumpcheck-'));

async function prefix(src: string, bytes: number): Promise<string> {
  const out = join(dir, `cut-${bytes}-${src.split('/').slice(-2).join('-')}`);
  const fh = await open(src, 'r');
  const buf = Buffer.alloc(bytes);
  await fh.read(buf, 0, bytes, 0);
  await fh.close();
  writeFileSync(out, buf);
  return out;
}

const have = existsSync(vmcores);
if (!have) console.warn(`fixtures missing at ${vmcores}: dump-file-check fixture tests skipped`);

describe.skipIf(!have)('checkDumpFile on the fixture dumps', () => {
  it('accepts each whole fixture with its format', async () => {
    expect(await checkDumpFile(join(vmcores, 'k61-null-deref', 'vmcore'))).toMatchObject({
      ok: true,
      format: 'kdump-compressed',
    });
    expect(await checkDumpFile(join(vmcores, 'k61-panic-flattened', 'vmcore.flat'))).toMatchObject({
      ok: true,
      format: 'flattened',
    });
    expect(await checkDumpFile(join(vmcores, 'k61-warn-panic', 'vmcore.elf.zst'))).toMatchObject({
      ok: true,
      format: 'zstd',
    });
  });

  it('refuses truncated kdump-compressed and flattened files', async () => {
    const k = await prefix(join(vmcores, 'k61-null-deref', 'vmcore'), 8192);
    const v = await checkDumpFile(k);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(/truncated/);
    const f = await prefix(join(vmcores, 'k61-panic-flattened', 'vmcore.flat'), 1 << 20);
    const fv = await checkDumpFile(f);
    expect(!fv.ok && fv.reason).toMatch(/no end marker/);
  });

  it('refuses an incomplete-flagged kdump header', async () => {
    const src = readFileSync(join(vmcores, 'k61-null-deref', 'vmcore')).subarray(0, 64 * 4096);
    const copy = Buffer.from(src);
    copy.writeUInt32LE(copy.readUInt32LE(424) | 0x8, 424);
    const p = join(dir, 'incomplete-flag');
    writeFileSync(p, copy);
    const v = await checkDumpFile(p);
    expect(!v.ok && v.reason).toMatch(/incomplete/);
  });
});

describe('checkDumpFile on synthetic files', () => {
  it('empty, garbage and truncated ELF are refused with a reason', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect(await checkDumpFile(empty)).toEqual({
      ok: false,
      format: null,
      size: 0,
      reason: 'empty file (0 bytes)',
    });
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'hello world, not a dump');
    expect((await checkDumpFile(junk)).ok).toBe(false);
    // ELF64 LE header with one PT_LOAD whose data lies past the end of the file
    const elf = Buffer.alloc(64 + 56);
    elf.write('\x7fELF', 0, 'latin1');
    elf[4] = 2;
    elf[5] = 1;
    elf.writeBigUInt64LE(64n, 32);
    elf.writeUInt16LE(56, 54);
    elf.writeUInt16LE(1, 56);
    elf.writeUInt32LE(1, 64);
    elf.writeBigUInt64LE(4096n, 64 + 8);
    elf.writeBigUInt64LE(1n << 20n, 64 + 32);
    const e = join(dir, 'elf');
    writeFileSync(e, elf);
    const v = await checkDumpFile(e);
    expect(v).toMatchObject({ ok: false, format: 'elf' });
    expect(!v.ok && v.reason).toMatch(/segments end at 1052672/);
  });
});
