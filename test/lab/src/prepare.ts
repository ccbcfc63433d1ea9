import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from './exec.js';
import { LAB_KERNELS, type LabKernel } from './kernels.js';
import { cacheDir, scriptsDir, vmlinuzPath } from './paths.js';

export interface GuestImages {
  kernel: LabKernel;
  vmlinuz: string;
  initrd: string;
  kfault: string;
}

const prepared = new Map<LabKernel, Promise<GuestImages>>();

/** Downloads the kernel (cached), builds kfault against its headers (must be warning-free). */
export async function buildKfault(kernel: LabKernel): Promise<string> {
  await execOk('bash', [join(scriptsDir, 'fetch-kernels.sh'), kernel]);
  return (await execOk('bash', [join(scriptsDir, 'build-kfault.sh'), kernel])).trim();
}

async function prepare(kernel: LabKernel): Promise<GuestImages> {
  const kfault = await buildKfault(kernel);
  const dir = join(cacheDir, 'guest', LAB_KERNELS[kernel].release);
  mkdirSync(dir, { recursive: true });
  const initrd = join(dir, 'initrd.img');
  await execOk('bash', [join(scriptsDir, 'build-initramfs.sh'), kernel, kfault, initrd]);
  const vmlinuz = vmlinuzPath(kernel);
  if (!existsSync(vmlinuz)) throw new Error(`missing ${vmlinuz} after fetch`);
  return { kernel, vmlinuz, initrd, kfault };
}

/** Kernel, kfault.ko and initramfs for one lab kernel; built once per process. */
export function guestImages(kernel: LabKernel): Promise<GuestImages> {
  let p = prepared.get(kernel);
  if (!p) {
    p = prepare(kernel);
    prepared.set(kernel, p);
    p.catch(() => prepared.delete(kernel));
  }
  return p;
}
