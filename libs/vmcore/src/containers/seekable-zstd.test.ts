import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createSeekableCompressor } from '@kdumpfleet/szstd';
import { afterAll, describe, expect, it } from 'vitest';
import { openVmcoreFile } from '../index.js';
import { decompressZstdToTemp, listVmcoreFixtures } from '../testing/fixtures.js';

const fixture = listVmcoreFixtures().find(
  (f) => f.truth.format === 'elf' && f.dumpPath.endsWith('.zst'),
);
if (!fixture)
  console.warn('no .elf.zst vmcore fixture found: seekable-zstd container test skipped');

describe.skipIf(!fixture)('seekable zstd container', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });

  it('reads a seekable copy of an ELF vmcore in place, same answers, a fraction of the bytes', async () => {
    const f = fixture!;
    const plain = await decompressZstdToTemp(f.dumpPath);
    temps.push(dirname(plain));
    const seekable = join(dirname(plain), 'vmcore.szst');
    await pipeline(
      createReadStream(plain),
      createSeekableCompressor({ frameSize: 4 * 1024 * 1024 }),
      createWriteStream(seekable),
    );

    const ref = await openVmcoreFile(plain, { containerHint: 'zstd' });
    const refLog = await ref.readKernelLog();
    await ref.close();

    const v = await openVmcoreFile(seekable);
    try {
      expect(v.container).toBe('zstd-seekable');
      expect(v.format).toBe('elf');
      expect(v.utsname.release).toBe(f.truth.kernel.release);
      expect(v.utsname.version).toBe(f.truth.kernel.version);
      expect(v.buildId).toBe(f.truth.kernel.buildId);
      const log = await v.readKernelLog();
      expect(log.text).toBe(refLog.text);
      expect(log.text).toBe(f.dmesg);
      const size = (await stat(seekable)).size;
      // the header, notes, a few page-table pages and the printk ring live in a handful of frames
      expect(v.bytesRead).toBeGreaterThan(0);
      expect(v.bytesRead / size).toBeLessThan(0.5);
      console.log(
        `seekable zstd: read ${v.bytesRead} of ${size} compressed bytes (${((100 * v.bytesRead) / size).toFixed(1)} %)`,
      );
    } finally {
      await v.close();
    }
  }, 120_000);
});
