import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './exec.js';
import type { GuestImages } from './prepare.js';

/** Guest shape from the issue: 768 MB, 2 CPUs, crashkernel=192M; TCG (no usable KVM here). */
export const GUEST_MEMORY_MB = 768;
export const CRASHKERNEL = '192M';

export interface BootOptions {
  images: GuestImages;
  disk: string;
  runDir: string;
  /** appended to the first kernel's command line (kdlab.mode=…) */
  append: string;
  /** wall-clock limit for the whole boot, seconds */
  timeoutSeconds: number;
  /** console markers to time: name → substring */
  markers?: Record<string, string>;
  /** console file name inside runDir */
  consoleName?: string;
  /**
   * Opt-in guest network: QEMU user networking with restrict=on (no route out), plus one
   * guestfwd: guest TCP to 10.0.2.100:80 reaches 127.0.0.1:<collectorPort> on the host.
   */
  network?: GuestNetwork;
}

export interface GuestNetwork {
  collectorPort: number;
}

/** Where the guest reaches the host's collector (see GuestNetwork). */
export const GUEST_COLLECTOR_URL = 'http://10.0.2.100:80';

/**
 * guestfwd's `tcp:` chardev is one connection made at QEMU start, shared by every guest
 * connection; `cmd:` runs a command per guest connection with the socket on stdin/stdout. This
 * tiny forwarder (the host's own node, no netcat needed) pipes it to the collector.
 */
const FORWARDER = `const s = require('node:net').connect(Number(process.argv[2]), '127.0.0.1');
process.stdin.pipe(s); s.pipe(process.stdout);
s.on('error', () => process.exit(1)); s.on('close', () => process.exit(0));
process.stdin.on('end', () => s.end());
`;

function networkArgs(o: BootOptions): string[] {
  if (!o.network) return ['-nic', 'none'];
  const fwd = join(o.runDir, 'guestfwd.cjs');
  // QEMU splits -nic at commas and the command at spaces.
  for (const p of [fwd, process.execPath])
    if (/[, ]/.test(p)) throw new LabError('qemu', `guestfwd: a comma or space in ${p}`);
  writeFileSync(fwd, FORWARDER);
  const cmd = `${process.execPath} ${fwd} ${o.network.collectorPort}`;
  return ['-nic', `user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:${cmd}`];
}

export interface BootResult {
  console: string;
  consolePath: string;
  seconds: number;
  timedOut: boolean;
  /** seconds from QEMU start to each marker's first appearance */
  markers: Record<string, number>;
}

export function qemuArgs(o: BootOptions, consolePath: string): string[] {
  return [
    '-accel',
    'tcg',
    '-M',
    'q35',
    '-cpu',
    'max',
    '-smp',
    '2',
    '-m',
    String(GUEST_MEMORY_MB),
    '-display',
    'none',
    '-monitor',
    'none',
    ...networkArgs(o),
    '-no-reboot',
    '-serial',
    `file:${consolePath}`,
    '-kernel',
    o.images.vmlinuz,
    '-initrd',
    o.images.initrd,
    '-append',
    `console=ttyS0 crashkernel=${CRASHKERNEL} panic=-1 loglevel=7 ${o.append}${o.network ? ' kdlab.net=1' : ''}`,
    '-drive',
    `file=${o.disk},format=raw,if=virtio`,
  ];
}

/**
 * Boots the guest once and waits for QEMU to exit (the guest powers off, or panic=-1 with
 * -no-reboot ends it), killing it at the time limit. Markers are timed by polling the console.
 */
export function boot(o: BootOptions): Promise<BootResult> {
  const consolePath = join(o.runDir, o.consoleName ?? 'console.log');
  writeFileSync(consolePath, '');
  const args = qemuArgs(o, consolePath);
  writeFileSync(join(o.runDir, 'qemu.cmd'), ['qemu-system-x86_64', ...args].join(' ') + '\n');
  const started = Date.now();
  const markers: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (!o.markers || !existsSync(consolePath)) return;
      const text = readFileSync(consolePath, 'utf8');
      for (const [name, needle] of Object.entries(o.markers))
        if (markers[name] === undefined && text.includes(needle))
          markers[name] = (Date.now() - started) / 1000;
    }, 250);
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutSeconds * 1000);
    child.on('error', (e) => {
      clearInterval(poll);
      clearTimeout(limit);
      reject(
        new LabError('qemu', `cannot run qemu-system-x86_64: ${e.message} (apt: qemu-system-x86)`),
      );
    });
    child.on('close', (status) => {
      clearInterval(poll);
      clearTimeout(limit);
      const seconds = (Date.now() - started) / 1000;
      const console = readFileSync(consolePath, 'utf8');
      if (o.markers)
        for (const [name, needle] of Object.entries(o.markers))
          if (markers[name] === undefined && console.includes(needle)) markers[name] = seconds;
      if (!timedOut && status !== 0)
        return reject(
          new LabError('qemu', `qemu exited ${status}: ${stderr.trim().split('\n').pop() ?? ''}`),
        );
      resolve({ console, consolePath, seconds, timedOut, markers });
    });
  });
}
