import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { DebuginfoCache } from '../cache/debuginfo-cache.js';
import { readElfBuildId } from '../elf/elf-build-id.js';
import { DebuginfoError, normalizeBuildId } from '../errors.js';

export interface DebuginfodOptions {
  /** Server base URLs, tried in order (elfutils' DEBUGINFOD_URLS, space separated). */
  urls: readonly string[];
  cache: DebuginfoCache;
  /** Whole-download timeout per server (default 10 minutes: a vmlinux is ~600 MB). */
  timeoutMs?: number;
}

export interface DebuginfodHit {
  path: string;
  url: string;
  cached: boolean;
}

/** Splits DEBUGINFOD_URLS the way elfutils does (whitespace), dropping trailing slashes. */
export function parseDebuginfodUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(/\s+/)
    .filter((u) => u !== '')
    .map((u) => u.replace(/\/+$/, ''));
}

/**
 * The debuginfod protocol's `GET <url>/buildid/<hex>/debuginfo`, streamed to a temp file in the
 * cache, its ELF build-id checked, then renamed into the cache. Concurrent requests for the same
 * build-id in one process share one download.
 */
export class DebuginfodClient {
  private readonly inFlight = new Map<string, Promise<DebuginfodHit | null>>();
  constructor(private readonly opts: DebuginfodOptions) {}

  /** The cached or downloaded file, or null when no server has it; `tried` collects why not. */
  fetch(buildId: string, tried: string[] = []): Promise<DebuginfodHit | null> {
    const id = normalizeBuildId(buildId);
    const running = this.inFlight.get(id);
    if (running) return running;
    const p = this.fetchOnce(id, tried).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, p);
    return p;
  }

  private async fetchOnce(id: string, tried: string[]): Promise<DebuginfodHit | null> {
    const cached = await this.opts.cache.get(id);
    if (cached) {
      const got = await readElfBuildId(cached).catch(() => null);
      if (got === id) return { path: cached, url: 'cache', cached: true };
      tried.push(`cache ${cached}: build-id ${got ?? 'unreadable'}, removed`);
      await rm(cached, { force: true });
    }
    for (const base of this.opts.urls) {
      const url = `${base}/buildid/${id}/debuginfo`;
      const temp = await this.opts.cache.tempPath(id);
      try {
        const res = await fetch(url, {
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 600_000),
        });
        if (!res.ok || !res.body) {
          tried.push(`${url}: HTTP ${res.status}`);
          await res.body?.cancel();
          continue;
        }
        await pipeline(
          Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
          createWriteStream(temp),
        );
        const got = await readElfBuildId(temp).catch((e: Error) => `unreadable (${e.message})`);
        if (got !== id) {
          tried.push(`${url}: served a file with build-id ${got ?? 'none'}`);
          await rm(temp, { force: true });
          continue;
        }
        return { path: await this.opts.cache.adopt(id, temp), url, cached: false };
      } catch (e) {
        await rm(temp, { force: true });
        tried.push(`${url}: ${(e as Error).message}`);
      }
    }
    return null;
  }
}

export { DebuginfoError };
