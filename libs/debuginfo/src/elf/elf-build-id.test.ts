import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebuginfoError } from '../errors.js';
import { buildIdFromNotes, readElfBuildId } from './elf-build-id.js';
import { elfWithBuildId } from './testing-elf.js';

const dir = mkdtempSync(join(tmpdir(), 'kdf-elf-'));

describe('readElfBuildId', () => {
  it('finds NT_GNU_BUILD_ID among other notes of a SHT_NOTE section', async () => {
    const path = join(dir, 'a.elf');
    writeFileSync(path, elfWithBuildId('3b43fad5034874490492495d552c0af6a5fab235'));
    expect(await readElfBuildId(path)).toBe('3b43fad5034874490492495d552c0af6a5fab235');
  });
  it('reads PT_NOTE when there are no section headers', async () => {
    const path = join(dir, 'b.elf');
    writeFileSync(path, elfWithBuildId('00ff00ff', { via: 'segment' }));
    expect(await readElfBuildId(path)).toBe('00ff00ff');
  });
  it('null when there is no build-id note', async () => {
    const path = join(dir, 'c.elf');
    writeFileSync(path, elfWithBuildId(null));
    expect(await readElfBuildId(path)).toBeNull();
  });
  it('a non-ELF file is a typed error', async () => {
    const path = join(dir, 'd.txt');
    writeFileSync(path, Buffer.alloc(128, 0x41));
    await expect(readElfBuildId(path)).rejects.toMatchObject({ code: 'NOT_ELF' });
    await expect(readElfBuildId(path)).rejects.toBeInstanceOf(DebuginfoError);
  });
  it('a truncated ELF is a typed error', async () => {
    const path = join(dir, 'e.elf');
    writeFileSync(path, elfWithBuildId('abcd').subarray(0, 100));
    await expect(readElfBuildId(path)).rejects.toMatchObject({ code: 'BAD_ELF' });
  });
  it('hostile note sizes end the walk instead of reading past the buffer', () => {
    const notes = Buffer.alloc(24);
    notes.writeUInt32LE(0xffffffff, 0);
    expect(buildIdFromNotes(notes, true)).toBeNull();
  });
});
