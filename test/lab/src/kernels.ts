/** The lab's kernels: Debian bookworm cloud flavour, 6.1 (stable) and 6.12 (bookworm-backports). */
export const LAB_KERNELS = {
  '6.1': { release: '6.1.0-56-cloud-amd64' },
  '6.12': { release: '6.12.117+deb12-cloud-amd64' },
} as const;

export type LabKernel = keyof typeof LAB_KERNELS;

export function isLabKernel(name: string): name is LabKernel {
  return Object.hasOwn(LAB_KERNELS, name);
}
