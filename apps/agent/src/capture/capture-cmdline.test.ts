import { describe, expect, it } from 'vitest';
import { captureCmdline } from './capture-cmdline.js';

describe('captureCmdline', () => {
  it('drops crashkernel, panic_on_warn, hugepages and friends; adds the capture arguments once', () => {
    const line = captureCmdline(
      [
        'BOOT_IMAGE=/vmlinuz',
        'root=UUID=abc',
        'ro',
        'quiet',
        'crashkernel=1G-4G:192M,4G-:256M',
        'panic_on_warn=1',
        'hugepages=100',
        'nr_cpus=8',
        'console=ttyS0',
      ],
      'console=tty0',
    );
    expect(line).toBe(
      'root=UUID=abc ro console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 systemd.unit=kdumpfleet-capture.service console=tty0',
    );
  });
});
