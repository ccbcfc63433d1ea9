import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeBuildId } from '../errors.js';

export interface CacheEntry {
  buildId: string;
  path: string;
  size: number;
  /** last use (mtime, bumped on every hit) */
  usedAt: Date;
}

/**
 * Downloaded debuginfo under one directory, `<dir>/<build-id>/debuginfo`, capped at `maxBytes`
 * with least-recently-used eviction. Use time is the file's mtime, bumped on every hit, so the
 * order survives restarts and is shared by every process using the directory. Files are
 * renamed into place complete, so a reader never sees half a download; evicting a file a
 * crash(8) run still has open is harmless on Linux (the inode lives until it is closed).
 */
export class DebuginfoCache {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  pathFor(buildId: string): string {
    return join(this.dir, normalizeBuildId(buildId), 'debuginfo');
  }

  /** A private temp path inside the cache (same filesystem, so `adopt` is a rename). */
  async tempPath(buildId: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return join(this.dir, `.partial-${normalizeBuildId(buildId)}-${process.pid}-${Date.now()}`);
  }

  /** The cached file for a build-id (marking it used), or null. */
  async get(buildId: string): Promise<string | null> {
    const path = this.pathFor(buildId);
    try {
      const now = new Date();
      await utimes(path, now, now);
      return path;
    } catch {
      return null;
    }
  }

  /** Moves a complete download into place, then evicts down to the cap (never the new one). */
  async adopt(buildId: string, tempFile: string): Promise<string> {
    const path = this.pathFor(buildId);
    await mkdir(join(this.dir, normalizeBuildId(buildId)), { recursive: true });
    await rename(tempFile, path);
    const now = new Date();
    await utimes(path, now, now);
    await this.evict(normalizeBuildId(buildId));
    return path;
  }

  async entries(): Promise<CacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: CacheEntry[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(this.dir, name, 'debuginfo');
      const st = await stat(path).catch(() => null);
      if (st?.isFile()) out.push({ buildId: name, path, size: st.size, usedAt: st.mtime });
    }
    return out;
  }

  /**
   * Removes least recently used entries until the total fits `maxBytes`. `keep` (the entry just
   * added) is never removed, even when it alone is over the cap: it is about to be used.
   */
  async evict(keep: string | null = null): Promise<string[]> {
    const all = (await this.entries()).sort((a, b) => a.usedAt.getTime() - b.usedAt.getTime());
    let total = all.reduce((n, e) => n + e.size, 0);
    const evicted: string[] = [];
    for (const e of all) {
      if (total <= this.maxBytes) break;
      if (e.buildId === keep) continue;
      await rm(join(this.dir, e.buildId), { recursive: true, force: true });
      total -= e.size;
      evicted.push(e.buildId);
    }
    return evicted;
  }
}
