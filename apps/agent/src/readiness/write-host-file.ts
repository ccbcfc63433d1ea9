import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Sysroot } from '@kdumpfleet/readiness';

/**
 * Writes a file inside the host tree atomically (temp file + rename), following symlinks inside
 * the sysroot so `--root` never writes outside it.
 */
export async function writeHostFile(
  root: Sysroot,
  hostPath: string,
  content: string,
): Promise<void> {
  const real = await root.resolve(hostPath);
  if (!root.live && !real.startsWith(`${root.root}/`))
    throw new Error(`${hostPath} resolves outside ${root.root}`);
  await mkdir(dirname(real), { recursive: true });
  const tmp = `${real}.kdumpfleet-${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, real);
}

/** Sets sysctls on the running kernel through /proc/sys (what `sysctl -p` does), key by key. */
export async function applySysctlNow(entries: [string, string][]): Promise<string[]> {
  const failed: string[] = [];
  for (const [key, value] of entries) {
    try {
      await writeFile(`/proc/sys/${key.replace(/\./g, '/')}`, `${value}\n`);
    } catch (err) {
      failed.push(`${key}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return failed;
}
