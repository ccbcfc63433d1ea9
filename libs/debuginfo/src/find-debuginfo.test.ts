import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebuginfoCache } from './cache/debuginfo-cache.js';
import { elfWithBuildId } from './elf/testing-elf.js';
import { DebuginfoNotFoundError } from './errors.js';
import { DebuginfoFinder } from './find-debuginfo.js';

const ID_A = 'aa'.repeat(20);
const ID_B = 'bb'.repeat(20);
const root = mkdtempSync(join(tmpdir(), 'kdf-dbgfind-'));

describe('DebuginfoFinder over DEBUGINFO_DIRS', () => {
  const tree = join(root, 'tree');
  beforeAll(() => {
    mkdirSync(join(tree, '.build-id', 'aa'), { recursive: true });
    writeFileSync(join(tree, '.build-id', 'aa', `${ID_A.slice(2)}.debug`), elfWithBuildId(ID_A));
    mkdirSync(join(tree, '6.1.0-x'), { recursive: true });
    writeFileSync(join(tree, '6.1.0-x', 'vmlinux'), elfWithBuildId(ID_B));
    writeFileSync(join(tree, 'vmlinux-6.9.0-other'), elfWithBuildId(ID_A));
  });
  const finder = () =>
    new DebuginfoFinder({ dirs: [tree], urls: [], cacheDir: join(root, 'c0'), cacheMaxBytes: 1e9 });

  it('by build-id in .build-id/xx/rest.debug', async () => {
    const f = await finder().find({ buildId: ID_A, release: 'whatever' });
    expect(f.via).toBe('dir-build-id');
    expect(f.buildId).toBe(ID_A);
  });
  it('by release (<release>/vmlinux) when its build-id matches', async () => {
    const f = await finder().find({ buildId: ID_B, release: '6.1.0-x' });
    expect(f.via).toBe('dir-release');
    expect(f.path).toBe(join(tree, '6.1.0-x', 'vmlinux'));
  });
  it('a release match with another build-id is refused and reported', async () => {
    const err = await finder()
      .find({ buildId: 'cc'.repeat(20), release: '6.9.0-other' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DebuginfoNotFoundError);
    expect((err as DebuginfoNotFoundError).tried.join('\n')).toMatch(
      /vmlinux-6\.9\.0-other: build-id a+ ≠/,
    );
  });
  it('a release with path characters never reaches the filesystem', async () => {
    await expect(finder().find({ buildId: null, release: '../../etc' })).rejects.toBeInstanceOf(
      DebuginfoNotFoundError,
    );
  });
});

describe('DebuginfoFinder over debuginfod (protocol stub) with an LRU cache', () => {
  let server: Server;
  let url = '';
  const hits: string[] = [];
  const files = new Map<string, Buffer>();
  beforeAll(async () => {
    for (const id of [ID_A, ID_B, 'cc'.repeat(20)]) {
      // padded so that two fit under the cap and three do not
      files.set(id, Buffer.concat([elfWithBuildId(id), Buffer.alloc(4000)]));
    }
    files.set('dd'.repeat(20), elfWithBuildId(ID_A)); // a server that lies
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const m = /^\/buildid\/([0-9a-f]+)\/debuginfo$/.exec(req.url ?? '');
      const body = m ? files.get(m[1]!) : undefined;
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads once, then serves from the cache, and evicts the least recently used', async () => {
    const cacheDir = join(root, 'c1');
    const finder = new DebuginfoFinder({ dirs: [], urls: [url], cacheDir, cacheMaxBytes: 9000 });
    const a = await finder.find({ buildId: ID_A, release: null });
    expect(a.via).toBe('debuginfod');
    expect(a.origin).toBe(`${url}/buildid/${ID_A}/debuginfo`);
    const again = await finder.find({ buildId: ID_A, release: null });
    expect(again.origin).toBe('cache');
    expect(hits.filter((h) => h.includes(ID_A))).toHaveLength(1);

    await finder.find({ buildId: ID_B, release: null });
    // make A the most recently used, then a third download must evict B, not A
    const past = new Date(Date.now() - 60_000);
    utimesSync(new DebuginfoCache(cacheDir, 0).pathFor(ID_B), past, past);
    await finder.find({ buildId: ID_A, release: null });
    await finder.find({ buildId: 'cc'.repeat(20), release: null });
    const left = (await finder.cache.entries()).map((e) => e.buildId).sort();
    expect(left).toEqual([ID_A, 'cc'.repeat(20)].sort());
    expect(existsSync(join(cacheDir, ID_B))).toBe(false);
  });

  it('a served file whose build-id differs is rejected, not cached', async () => {
    const cacheDir = join(root, 'c2');
    const finder = new DebuginfoFinder({ dirs: [], urls: [url], cacheDir, cacheMaxBytes: 1e9 });
    const err = await finder
      .find({ buildId: 'dd'.repeat(20), release: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DebuginfoNotFoundError);
    expect((err as DebuginfoNotFoundError).tried.join('\n')).toMatch(
      /served a file with build-id a+/,
    );
    expect(await finder.cache.entries()).toEqual([]);
  });

  it('404 everywhere → not found naming the servers', async () => {
    const finder = new DebuginfoFinder({
      dirs: [],
      urls: [url],
      cacheDir: join(root, 'c3'),
      cacheMaxBytes: 1e9,
    });
    await expect(finder.find({ buildId: 'ee'.repeat(20), release: '6.1' })).rejects.toThrow(
      /DEBUGINFOD_URLS/,
    );
  });
});
