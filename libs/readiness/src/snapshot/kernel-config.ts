import { KERNEL_CONFIG_OPTIONS, type KernelConfigOption } from './host-snapshot.js';

/** Kconfig text (`CONFIG_X=y`, `# CONFIG_X is not set`) → the options readiness cares about. */
export function parseKernelConfig(
  text: string,
): Partial<Record<KernelConfigOption, 'y' | 'm' | 'n'>> | { garbage: string } {
  const out: Partial<Record<KernelConfigOption, 'y' | 'm' | 'n'>> = {};
  let seen = 0;
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Z0-9_]+)=(.*)$/.exec(line);
    const unset = /^# CONFIG_([A-Z0-9_]+) is not set/.exec(line);
    if (set || unset) seen++;
    const name = (set?.[1] ?? unset?.[1]) as KernelConfigOption | undefined;
    if (!name || !(KERNEL_CONFIG_OPTIONS as readonly string[]).includes(name)) continue;
    out[name] = unset ? 'n' : set?.[2] === 'y' ? 'y' : set?.[2] === 'm' ? 'm' : 'n';
  }
  if (seen === 0) return { garbage: 'no CONFIG_ lines' };
  // An option absent from a full config is off.
  for (const o of KERNEL_CONFIG_OPTIONS) out[o] ??= 'n';
  return out;
}
