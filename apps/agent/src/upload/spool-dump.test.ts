import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spoolCompressed, SpoolError } from './spool-dump.js';

const zstdOk = spawnSync('zstd', ['--version']).status === 0;
if (!zstdOk) console.warn('zstd CLI missing (apt-get install zstd): spool decode check skipped');

describe('spoolCompressed', () => {
  it('hashes exactly the bytes it writes, and they decode to the input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdf-spool-'));
    const src = join(dir, 'dump');
    // half zero pages, half noise, over several frames
    const data = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i += 2) data[i] = (i * 2654435761) >>> 24;
    writeFileSync(src, data);
    const s = await spoolCompressed(src, {
      spoolDir: join(dir, 'spool'),
      name: 'k',
      frameSize: 1 << 20,
      level: 3,
      minFreeBytes: 0,
    });
    const bytes = readFileSync(s.path);
    expect(s.size).toBe(bytes.length);
    expect(s.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(s.encoding).toBe('zstd');
    expect(readdirSync(join(dir, 'spool'))).toEqual(['k.zst']);
    if (zstdOk) {
      const out = spawnSync('zstd', ['-d', '-c', s.path], { maxBuffer: 64 << 20 });
      expect(out.status).toBe(0);
      expect(Buffer.compare(out.stdout, data)).toBe(0);
    }
  });

  it('refuses when the spool filesystem lacks room, leaving nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdf-spool-'));
    const src = join(dir, 'dump');
    writeFileSync(src, Buffer.alloc(1024));
    await expect(
      spoolCompressed(src, {
        spoolDir: join(dir, 'spool'),
        name: 'k',
        frameSize: 1 << 20,
        level: 3,
        minFreeBytes: Number.MAX_SAFE_INTEGER / 2,
      }),
    ).rejects.toBeInstanceOf(SpoolError);
    expect(existsSync(join(dir, 'spool', 'k.zst'))).toBe(false);
  });
});
