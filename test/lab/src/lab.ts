import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kdlabLines, splitKernels } from './console.js';
import { extractCrashDir, makeDisk } from './disk.js';
import { LabError } from './exec.js';
import { LAB_KERNELS, type LabKernel } from './kernels.js';
import { cacheDir } from './paths.js';
import { guestImages } from './prepare.js';
import { boot, type BootResult, type GuestNetwork } from './qemu.js';
import { buildRunScript, CRASH_WAIT_SECONDS, HANG_SECONDS } from './run-script.js';
import type { CrashScenario, GuestScenario, Scenario } from './scenarios.js';
import { verifyCrash, verifyGuest, type CrashVerdict, type GuestVerdict } from './verify.js';

/** makedumpfile options in the capture kernel: Debian kdump-tools' default. */
export const DUMP_ARGS = ['-c', '-d', '31'];

export interface LabOptions {
  kernel: LabKernel;
  scenarios: Scenario[];
  /** keep the guest disk (for a later boot or inspection) */
  keep?: boolean;
  /** boot the same disk again after the crash, as the host's next boot would */
  boot2?: boolean;
  /** script run by the second boot (from the disk, /kdlab/boot2.sh) */
  boot2Script?: string;
  /** extra files for the guest disk: guest path (e.g. /opt/agent/kdumpfleet) → host path */
  diskFiles?: Record<string, string>;
  /** guest disk size for mke2fs (default DISK_SIZE); bigger when diskFiles carry a runtime */
  diskSize?: string;
  /**
   * Replaces the first boot's generated /kdlab/run.sh (the agent test drives the crash itself);
   * the crash scenario still sets the time limit and what the captured log must show.
   */
  runScript?: string;
  /** opt-in guest network to a collector on the host (see GuestNetwork in qemu.ts) */
  network?: GuestNetwork;
  /** false: the first boot does not load the capture kernel itself (kdlab.kexec=0) */
  loadCaptureKernel?: boolean;
  /** time limit of the second boot, seconds (default 120) */
  boot2TimeoutSeconds?: number;
  /** time limit of the first boot, seconds (default: from the scenarios) */
  timeoutSeconds?: number;
}

export interface BootTiming {
  boot: string;
  seconds: number;
  timedOut: boolean;
  /** seconds from QEMU start to each console marker */
  markers: Record<string, number>;
}

export interface LabResult {
  kernel: LabKernel;
  release: string;
  scenario: string;
  runDir: string;
  console: string;
  dump: string | null;
  dmesg: string | null;
  disk: string | null;
  seconds: number;
  boots: BootTiming[];
  kdlab: string[];
  crash?: CrashVerdict;
  guest?: GuestVerdict;
  boot2?: { console: string; found: string[]; ok: boolean };
}

const MARKERS = {
  kernelUp: 'KDLAB: kernel ',
  kexecLoaded: 'KDLAB: kexec loaded',
  triggered: 'KDLAB: trigger ',
  captureUp: 'KDLAB: capture kernel',
  captured: 'KDLAB: capture took',
  done: 'KDLAB: done',
};

function timing(name: string, b: BootResult): BootTiming {
  return {
    boot: name,
    seconds: round(b.seconds),
    timedOut: b.timedOut,
    markers: Object.fromEntries(Object.entries(b.markers).map(([k, v]) => [k, round(v)])),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

function newRunDir(kernel: LabKernel, names: string[]): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = join(cacheDir, 'runs', `${kernel}-${names.join('+')}-${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The newest /var/crash/<stamp>/ the capture kernel wrote, as extracted to the host. */
function findDump(crashDir: string): { dump: string | null; dmesg: string | null } {
  if (!existsSync(crashDir)) return { dump: null, dmesg: null };
  const stamps = readdirSync(crashDir).sort();
  const stamp = stamps[stamps.length - 1];
  if (stamp === undefined) return { dump: null, dmesg: null };
  const dir = join(crashDir, stamp);
  const dump = join(dir, `dump.${stamp}`);
  const dmesg = join(dir, `dmesg.${stamp}`);
  return { dump: existsSync(dump) ? dump : null, dmesg: existsSync(dmesg) ? dmesg : null };
}

/** Boots a guest for the given scenarios, captures and checks what happened. */
export async function runLab(o: LabOptions): Promise<LabResult> {
  const started = Date.now();
  const names = o.scenarios.map((s) => s.name);
  const crash = o.scenarios.find((s): s is CrashScenario => s.kind === 'crash');
  const images = await guestImages(o.kernel);
  const runDir = newRunDir(o.kernel, names);
  const disk = await makeDisk(
    runDir,
    images,
    o.runScript ?? buildRunScript(o.scenarios),
    o.boot2Script,
    o.diskFiles,
    o.diskSize,
  );
  const timeoutSeconds =
    o.timeoutSeconds ??
    (crash ? 120 + CRASH_WAIT_SECONDS : 90 + o.scenarios.length * (HANG_SECONDS + 45));
  const first = await boot({
    images,
    disk,
    runDir,
    append: `kdlab.mode=run kdlab.dumpargs=${DUMP_ARGS.join(',')}${o.loadCaptureKernel === false ? ' kdlab.kexec=0' : ''}`,
    timeoutSeconds,
    markers: MARKERS,
    network: o.network,
  });
  const result: LabResult = {
    kernel: o.kernel,
    release: LAB_KERNELS[o.kernel].release,
    scenario: names.join(','),
    runDir,
    console: first.consolePath,
    dump: null,
    dmesg: null,
    disk: null,
    seconds: 0,
    boots: [timing('first', first)],
    kdlab: kdlabLines(first.console),
  };
  if (first.timedOut) result.kdlab.push(`host: QEMU killed after ${timeoutSeconds} s`);
  if (crash) {
    const found = findDump(await extractCrashDir(disk, runDir));
    result.dump = found.dump;
    result.dmesg = found.dmesg;
    const log = found.dmesg ? readFileSync(found.dmesg, 'utf8') : splitKernels(first.console).first;
    result.crash = verifyCrash(crash, log);
  } else {
    result.guest = verifyGuest(o.scenarios as GuestScenario[], first.console);
  }
  if (o.boot2) {
    const second = await boot({
      images,
      disk,
      runDir,
      append: 'kdlab.mode=boot2',
      timeoutSeconds: o.boot2TimeoutSeconds ?? 120,
      markers: { kernelUp: MARKERS.kernelUp, done: MARKERS.done },
      consoleName: 'console-boot2.log',
      network: o.network,
    });
    result.boots.push(timing('boot2', second));
    const lines = kdlabLines(second.console);
    const foundFiles = lines.flatMap((l) => /^boot2 found (\S+)/.exec(l)?.[1] ?? []);
    result.boot2 = { console: second.consolePath, found: foundFiles, ok: lines.includes('done') };
  }
  if (o.keep || o.boot2Script !== undefined) result.disk = disk;
  else rmSync(disk, { force: true });
  result.seconds = round((Date.now() - started) / 1000);
  return result;
}

/** Turns scenario names into a list of boots: each crash alone, hangs and control together. */
export function planBoots(scenarios: Scenario[]): Scenario[][] {
  const crashes = scenarios.filter((s) => s.kind === 'crash').map((s) => [s]);
  const rest = scenarios.filter((s) => s.kind !== 'crash');
  return rest.length > 0 ? [...crashes, rest] : crashes;
}

export { LabError };
