import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_KERNELS, type LabKernel } from './kernels.js';

/** test/lab, whether running from src/ (vitest) or dist/ (npm run lab). */
export const labDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(labDir, '..', '..');
export const scriptsDir = join(labDir, 'scripts');

/** Downloads, builds, guest images and run directories: never inside the repo. */
export const cacheDir = process.env.KDF_LAB_CACHE ?? join(homedir(), '.cache', 'kdumpfleet', 'lab');

export function kernelRoot(kernel: LabKernel): string {
  return join(cacheDir, 'kernels', LAB_KERNELS[kernel].release, 'root');
}

export function vmlinuzPath(kernel: LabKernel): string {
  const release = LAB_KERNELS[kernel].release;
  return join(kernelRoot(kernel), 'boot', `vmlinuz-${release}`);
}

export function headersDir(kernel: LabKernel): string {
  const release = LAB_KERNELS[kernel].release;
  return join(kernelRoot(kernel), 'usr', 'src', `linux-headers-${release}`);
}
