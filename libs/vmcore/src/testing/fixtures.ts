import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DecompressStream } from 'zstd-napi';

/** repo root (libs/vmcore/src/testing → ../../../..) */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const fixturesDir = join(repoRoot, '..', 'shared', 'fixtures');
export const vmcoreFixturesDir = join(fixturesDir, 'vmcores');

export interface FixtureTruth {
  name: string;
  file: string;
  size: number;
  container: string;
  format: string;
  compression: string;
  incomplete: boolean;
  kernel: { release: string; version: string; machine: string; buildId: string | null };
  crashTime: string | null;
}

export interface VmcoreFixture {
  name: string;
  dir: string;
  dumpPath: string;
  truth: FixtureTruth;
  dmesg: string;
}

export function listVmcoreFixtures(): VmcoreFixture[] {
  if (!existsSync(vmcoreFixturesDir)) return [];
  return readdirSync(vmcoreFixturesDir)
    .filter((n) => existsSync(join(vmcoreFixturesDir, n, 'truth.json')))
    .sort()
    .map((name) => {
      const dir = join(vmcoreFixturesDir, name);
      const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as FixtureTruth;
      return {
        name,
        dir,
        dumpPath: join(dir, truth.file),
        truth,
        dmesg: readFileSync(join(dir, 'dmesg.txt'), 'latin1'),
      };
    });
}

/** Decompress a plain .zst (zstd -19 --long: window up to 2^27) to a temp file; returns its path. */
export async function decompressZstdToTemp(path: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kdf-vmcore-'));
  const out = join(dir, 'vmcore');
  const dec = new DecompressStream({ windowLogMax: 31 });
  await pipeline(createReadStream(path), dec, createWriteStream(out));
  return out;
}
