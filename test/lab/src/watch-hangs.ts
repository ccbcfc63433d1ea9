/**
 * Which `kdumpfleet watch` probe must see each kfault soft hang, and what its `stuckAt` must
 * name (issue 11, "Tests"). Found in the 6.1 guest, not assumed:
 *
 * - rtnl → rtnl: `ip link set dev lo mtu <same>` waits for rtnl_lock.
 * - tcp-accept → tcp-accept: the SYN to the banner service is dropped, connect() never completes.
 * - mmap-lock pid=N → process-table, at `pid N`: reading /proc/N/cmdline waits for N's mmap lock.
 * - blk-freeze dev=vda → block-io, at `read /dev/vda`: the O_DIRECT read waits on the frozen queue.
 * - fs-freeze path=/mnt → block-io, at `write+fsync /mnt`: the write waits for the thaw (the
 *   O_DIRECT read of the device under it still answers).
 * - workqueue → scheduling, at its system_wq step: kfault's work items sleep in TASK_IDLE, so no
 *   load, no D state and no hung-task report; only a request that needs system_wq to make
 *   progress sees them (the probe reads /proc/sys/vm/stat_refresh, which runs a work item on
 *   every CPU through system_wq and waits).
 */
import type { WatchProbeName } from '@kdumpfleet/contracts';

export interface WatchHang {
  /** kfault soft-hang scenario */
  name: string;
  /** shell run before the trigger (may set variables used in args) */
  setup?: string;
  /** trigger keys (shell words; duration is added by the script) */
  args: string;
  /** recorded with the trigger event as `key=value` (shell words, expanded in the guest) */
  detail?: string;
  /** the probe that must be in the verdict's `stuck` */
  probe: WatchProbeName;
  /** what that probe's stuckAt must match, given the trigger's detail */
  stuckAt(detail: Record<string, string>): RegExp;
}

/** The guest's banner service for the tcp-accept probe (busybox nc, one fork per connection). */
export const BANNER_PORT = 2222;

export const WATCH_HANGS: WatchHang[] = [
  {
    name: 'rtnl',
    args: '',
    probe: 'rtnl',
    stuckAt: () => /^ip link set lo mtu \d+$/,
  },
  {
    name: 'tcp-accept',
    args: '',
    probe: 'tcp-accept',
    stuckAt: () => new RegExp(`^127\\.0\\.0\\.1:${BANNER_PORT}$`),
  },
  {
    name: 'mmap-lock',
    setup: 'sleep 100000 & victim=$!; sleep 0.5',
    args: 'pid=$victim',
    detail: 'pid=$victim',
    probe: 'process-table',
    stuckAt: (d) => new RegExp(`^pid ${d.pid ?? 'MISSING'}$`),
  },
  {
    name: 'workqueue',
    args: '',
    probe: 'scheduling',
    stuckAt: () => /^system_wq round trip/,
  },
  {
    name: 'fs-freeze',
    args: 'path=/mnt',
    probe: 'block-io',
    stuckAt: () => /^write\+fsync \/mnt \(\/dev\/vda\)$/,
  },
  {
    name: 'blk-freeze',
    args: 'dev=vda',
    probe: 'block-io',
    stuckAt: () => /^read \/dev\/vda$/,
  },
];
