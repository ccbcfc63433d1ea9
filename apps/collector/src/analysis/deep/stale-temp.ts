import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIXES = ['kdumpfleet-analysis-', 'kdumpfleet-deep-'];

/**
 * Removes analysis temp dirs (dump copies, tool outputs) left in `tmpDir` by workers that were
 * killed mid-job. Only dirs older than `olderThanMs` (longer than any job may run) are touched,
 * so live jobs of other workers sharing the directory are safe. Returns how many were removed.
 */
export async function removeStaleTempDirs(tmpDir: string, olderThanMs: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch {
    return 0;
  }
  let removed = 0;
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    if (!PREFIXES.some((p) => name.startsWith(p))) continue;
    const path = join(tmpDir, name);
    const st = await stat(path).catch(() => null);
    if (!st?.isDirectory() || st.mtimeMs > cutoff) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
