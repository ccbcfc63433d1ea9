/**
 * The capture kernel's command line, prepared as kdumpctl and kdump-config do: start from the
 * running kernel's, drop what would break or bloat a 100-MiB capture kernel, add what makes it
 * boot on a half-dead machine, and boot straight into `kdumpfleet-capture.service`.
 */
const REMOVE = new Set([
  'crashkernel',
  'panic_on_warn',
  'hugepages',
  'hugepagesz',
  'default_hugepagesz',
  'hugetlb_cma',
  'cma',
  'slub_debug',
  'log_buf_len',
  'swiotlb',
  'quiet',
  'nr_cpus',
  'maxcpus',
  'irqpoll',
  'reset_devices',
  'panic',
  'systemd.unit',
  'BOOT_IMAGE',
  'initrd',
  'kfault.scenario',
  'kfault.args',
]);

export const CAPTURE_APPEND = [
  'irqpoll',
  'nr_cpus=1',
  'reset_devices',
  'panic=10',
  'systemd.unit=kdumpfleet-capture.service',
];

export function captureCmdline(running: readonly string[], append = ''): string {
  const kept = running.filter((arg) => !REMOVE.has(arg.split('=')[0] ?? arg));
  const extra = append.split(/\s+/).filter(Boolean);
  return [...kept, ...CAPTURE_APPEND, ...extra].join(' ');
}
