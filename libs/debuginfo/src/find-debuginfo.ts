import { DebuginfoCache } from './cache/debuginfo-cache.js';
import { DebuginfodClient } from './debuginfod/debuginfod-client.js';
import { readElfBuildId } from './elf/elf-build-id.js';
import { DebuginfoNotFoundError, normalizeBuildId } from './errors.js';
import { buildIdCandidates, isFile, releaseCandidates } from './locate/debuginfo-dirs.js';

export interface DebuginfoQuery {
  /** the dump's kernel build-id (VMCOREINFO BUILD-ID), if known */
  buildId: string | null;
  /** the dump's kernel release (`uname -r`) */
  release: string | null;
}

export interface DebuginfoSources {
  /** local debug trees (DEBUGINFO_DIRS) */
  dirs: readonly string[];
  /** debuginfod servers (DEBUGINFOD_URLS) */
  urls: readonly string[];
  /** download cache for debuginfod (under DATA_DIR) */
  cacheDir: string;
  cacheMaxBytes: number;
  downloadTimeoutMs?: number;
}

export interface FoundDebuginfo {
  path: string;
  /** how it was found: `dir` (by build-id or release) or `debuginfod` (a server or its cache) */
  via: 'dir-build-id' | 'dir-release' | 'debuginfod';
  /** the file's own build-id (equal to the query's when the query had one) */
  buildId: string | null;
  /** the server URL, `cache`, or the directory */
  origin: string;
  /** every candidate looked at before this one and why it was passed over */
  tried: string[];
}

/**
 * Finds the kernel debuginfo (vmlinux with DWARF) for a dump: by build-id in the local trees,
 * then by build-id from debuginfod (cached, LRU-capped), then by release in the local trees.
 * A candidate is used only when its own ELF build-id equals the dump's (when the dump has one):
 * a vmlinux of the same release from another build would make crash(8) print nonsense.
 */
export class DebuginfoFinder {
  private readonly debuginfod: DebuginfodClient;
  readonly cache: DebuginfoCache;

  constructor(private readonly sources: DebuginfoSources) {
    this.cache = new DebuginfoCache(sources.cacheDir, sources.cacheMaxBytes);
    this.debuginfod = new DebuginfodClient({
      urls: sources.urls,
      cache: this.cache,
      ...(sources.downloadTimeoutMs ? { timeoutMs: sources.downloadTimeoutMs } : {}),
    });
  }

  async find(q: DebuginfoQuery): Promise<FoundDebuginfo> {
    const tried: string[] = [];
    const want = q.buildId ? normalizeBuildId(q.buildId) : null;
    const accept = async (path: string): Promise<string | null | false> => {
      if (!(await isFile(path))) return false;
      let got: string | null;
      try {
        got = await readElfBuildId(path);
      } catch (e) {
        tried.push(`${path}: ${(e as Error).message}`);
        return false;
      }
      if (want !== null && got !== want) {
        tried.push(`${path}: build-id ${got ?? 'none'} ≠ dump's ${want}`);
        return false;
      }
      return got;
    };

    if (want !== null) {
      for (const dir of this.sources.dirs) {
        for (const path of buildIdCandidates(dir, want)) {
          const got = await accept(path);
          if (got !== false) return { path, via: 'dir-build-id', buildId: got, origin: dir, tried };
        }
      }
      if (this.sources.urls.length > 0) {
        const hit = await this.debuginfod.fetch(want, tried);
        if (hit)
          return { path: hit.path, via: 'debuginfod', buildId: want, origin: hit.url, tried };
      }
    }
    if (q.release) {
      for (const dir of this.sources.dirs) {
        for (const path of releaseCandidates(dir, q.release)) {
          const got = await accept(path);
          if (got !== false) return { path, via: 'dir-release', buildId: got, origin: dir, tried };
        }
      }
    }
    const places = [
      this.sources.dirs.length ? `DEBUGINFO_DIRS (${this.sources.dirs.join(', ')})` : null,
      this.sources.urls.length ? `DEBUGINFOD_URLS (${this.sources.urls.join(' ')})` : null,
    ].filter((p) => p !== null);
    throw new DebuginfoNotFoundError(
      `no debuginfo for build-id ${want ?? 'unknown'} / release ${q.release ?? 'unknown'} in ` +
        (places.length
          ? places.join(' or ')
          : 'no configured source (set DEBUGINFO_DIRS or DEBUGINFOD_URLS)'),
      tried,
    );
  }
}
