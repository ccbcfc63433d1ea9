import { GiB, MiB, formatSize, humanBytes, roundUp } from './size.js';
import { resolveCrashkernel } from './parse.js';

/** What the sizing formula looks at. Unknown inputs fall back to the stated assumptions. */
export interface SizingInput {
  ramBytes: number | null;
  cpus: number | null;
  /** Size of the capture initrd file (compressed, as on disk). */
  initrdBytes: number | null;
  /** Entries in /etc/crypttab: LUKS unlocking in the capture kernel needs memory. */
  luksDevices: number;
  /** Which distribution default to compare with. */
  flavor: 'debian' | 'rhel' | 'suse' | 'kdumpfleet' | null;
}

export interface Sizing {
  /** The least this host needs (rounded up to 16 MiB). */
  neededBytes: number;
  /** What to put on the command line (at least the distribution default for this RAM). */
  recommendedBytes: number;
  recommended: string;
  explanation: string[];
}

/**
 * The formula (each term is one line of `explanation`):
 * - 64 MiB   capture kernel: image, early page tables and slab with nr_cpus=1
 * - 4 × initrd  the compressed initrd stays in memory while it is unpacked into a tmpfs about
 *               three times its size (16 MiB assumed when the file is not found: a kdump-only,
 *               MODULES=dep, zstd initrd)
 * - 16 MiB   userspace: makedumpfile's cyclic buffers, shell, udev
 * - 1 MiB per GiB of RAM: /proc/vmcore's ELF headers and makedumpfile's page bitmaps grow with
 *               the memory being dumped
 * - 256 KiB per CPU: per-CPU crash notes and per-CPU setup the capture kernel still does for
 *               each possible CPU
 * - 256 MiB when /etc/crypttab lists devices: LUKS2 argon2 key derivation runs in the capture
 *               kernel when the dump target sits on an encrypted disk
 * `needed` is the sum rounded up to 16 MiB. `recommended` is the larger of `needed` and the
 * distribution's default for this RAM (RHEL `1G-4G:192M,4G-64G:256M,64G-:512M`, Debian
 * kdump-tools `384M-:128M`), rounded up to 32 MiB.
 */
export function sizeCrashkernel(input: SizingInput): Sizing {
  const explanation: string[] = [];
  const ramGiB = input.ramBytes === null ? null : input.ramBytes / GiB;
  let total = 64 * MiB;
  explanation.push('64 MiB for the capture kernel itself');
  const initrd = input.initrdBytes ?? 16 * MiB;
  total += 4 * initrd;
  explanation.push(
    input.initrdBytes === null
      ? `${humanBytes(4 * initrd)} for an initrd of unknown size (16 MiB assumed, ×4 while unpacked)`
      : `${humanBytes(4 * initrd)} for the ${humanBytes(initrd)} capture initrd (×4 while unpacked)`,
  );
  total += 16 * MiB;
  explanation.push('16 MiB for makedumpfile and the capture userspace');
  if (ramGiB !== null) {
    const ram = Math.ceil(ramGiB) * MiB;
    total += ram;
    explanation.push(
      `${humanBytes(ram)} for ${humanBytes(input.ramBytes as number)} of RAM (1 MiB per GiB)`,
    );
  } else explanation.push('RAM unknown: no per-GiB term');
  const cpus = input.cpus ?? 1;
  total += cpus * 256 * 1024;
  explanation.push(
    `${humanBytes(cpus * 256 * 1024)} for ${cpus} CPU${cpus === 1 ? '' : 's'} (256 KiB each)`,
  );
  if (input.luksDevices > 0) {
    total += 256 * MiB;
    explanation.push(
      `256 MiB for LUKS key derivation (${input.luksDevices} device(s) in /etc/crypttab)`,
    );
  }
  const neededBytes = roundUp(total, 16 * MiB);
  explanation.push(`needed: ${formatSize(neededBytes)} (sum rounded up to 16 MiB)`);
  const def = distroDefault(input.flavor, input.ramBytes);
  let recommendedBytes = roundUp(neededBytes, 32 * MiB);
  if (def && def.bytes > recommendedBytes) {
    recommendedBytes = def.bytes;
    explanation.push(
      `recommended: ${formatSize(def.bytes)}, the ${def.name} default for this RAM (${def.spec})`,
    );
  } else {
    explanation.push(`recommended: ${formatSize(recommendedBytes)} (needed rounded up to 32 MiB)`);
  }
  if (input.ramBytes !== null && recommendedBytes > input.ramBytes / 2) {
    explanation.push('warning: that is more than half of RAM; use a smaller capture initrd');
  }
  return {
    neededBytes,
    recommendedBytes,
    recommended: `crashkernel=${formatSize(recommendedBytes)}`,
    explanation,
  };
}

export const DISTRO_DEFAULTS = {
  rhel: '1G-4G:192M,4G-64G:256M,64G-:512M',
  debian: '384M-:128M',
} as const;

function distroDefault(
  flavor: SizingInput['flavor'],
  ramBytes: number | null,
): { name: string; spec: string; bytes: number } | null {
  if (ramBytes === null) return null;
  const name = flavor === 'debian' ? 'debian' : 'rhel';
  const spec = DISTRO_DEFAULTS[name];
  const bytes = resolveCrashkernel([spec], ramBytes).size;
  return bytes > 0 ? { name: name === 'rhel' ? 'RHEL' : 'Debian kdump-tools', spec, bytes } : null;
}
