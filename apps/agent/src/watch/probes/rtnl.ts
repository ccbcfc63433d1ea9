import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeFunction } from '../probe-protocol.js';

/**
 * A netlink request that takes rtnl_lock: set lo's MTU to the value it already has (RTM_NEWLINK
 * through iproute2; changes nothing). A task holding rtnl blocks it, as it blocks every network
 * configuration change on the host. Needs CAP_NET_ADMIN; without it the probe reports an error.
 */
export const rtnl: ProbeFunction = async (opts, step) => {
  const mtu = readFileSync(join(opts.sysNetDir, 'lo', 'mtu'), 'utf8').trim();
  step(`${opts.ipCommand} link set lo mtu ${mtu}`);
  const r = spawnSync(opts.ipCommand, ['link', 'set', 'dev', 'lo', 'mtu', mtu], {
    encoding: 'utf8',
  });
  if (r.status === 0) return { status: 'ok', evidence: [`ip link set lo mtu ${mtu}: ok`] };
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
  return { status: 'error', evidence: [`ip link set lo mtu ${mtu}: ${why}`] };
};
