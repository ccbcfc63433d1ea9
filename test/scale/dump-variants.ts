/**
 * Distinct real dumps for many-upload tests. The collector stores dumps content-addressed
 * (`dumps/<sha256>`), so 50 uploads of 5 fixtures would be 5 objects; each variant is a fixture
 * with a few bytes that name the variant added at the end, in a way every reader ignores:
 * after the last page of a kdump-compressed or flattened dump (nothing points there), and as a
 * zstd skippable frame after a .zst (valid zstd, skipped by every decoder). Triage of each
 * variant gives the fixture's own answer (checked by the tests against truth.json).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fixtureDumps, type FixtureDump } from '../collector/tus-client.js';

export interface DumpVariant {
  /** e.g. `k61-null-deref#07` */
  name: string;
  fixture: FixtureDump;
  path: string;
  size: number;
  sha256: string;
}

/** A zstd skippable frame (magic 0x184D2A50, u32 LE length, payload): decoders step over it. */
function skippableFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x184d2a50, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

async function writeVariant(fixture: FixtureDump, path: string, tag: string): Promise<DumpVariant> {
  const payload = Buffer.from(`kdumpfleet scale test variant ${tag}\n`);
  const tail = fixture.path.endsWith('.zst') ? skippableFrame(payload) : payload;
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  await pipeline(
    createReadStream(fixture.path),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
      hash.update(tail);
      yield tail;
    },
    out,
  );
  return {
    name: `${fixture.name}#${tag}`,
    fixture,
    path,
    size: fixture.size + tail.length,
    sha256: hash.digest('hex'),
  };
}

export interface DumpVariants {
  dir: string;
  variants: DumpVariant[];
  remove(): void;
}

/**
 * `count` distinct dumps, cycling through the fixtures (those in `only`, none in `except`), in a
 * temp dir under `baseDir` (default the OS temp dir; they are 10–21 MB each).
 */
export async function makeDumpVariants(
  count: number,
  opts: { only?: string[]; except?: string[]; baseDir?: string } = {},
): Promise<DumpVariants> {
  const fixtures = fixtureDumps().filter(
    (f) => (!opts.only || opts.only.includes(f.name)) && !opts.except?.includes(f.name),
  );
  if (fixtures.length === 0)
    throw new Error(`no fixture dumps${opts.only ? ` named ${opts.only.join(', ')}` : ''}`);
  const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'kdf-scale-dumps-'));
  const variants: DumpVariant[] = [];
  for (let i = 0; i < count; i++) {
    const fixture = fixtures[i % fixtures.length]!;
    const tag = String(i).padStart(2, '0');
    variants.push(await writeVariant(fixture, join(dir, `${fixture.name}-${tag}`), tag));
  }
  return { dir, variants, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
