import { join } from 'node:path';
import type { ProbeOptions, TcpTarget } from './probe-protocol.js';

/** A bad --tcp value: one line naming it. */
export class TcpTargetError extends Error {
  readonly code = 'TCP_TARGET';
  constructor(readonly value: string) {
    super(`--tcp: '${value}' is not [host:]port`);
    this.name = 'TcpTargetError';
  }
}

/** `22`, `127.0.0.1:22`, `[::1]:22`; `banner` false for services that speak only when asked. */
export function parseTcpTarget(value: string, banner: boolean): TcpTarget {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$|^(\d{1,5})$/.exec(value.trim());
  if (!m) throw new TcpTargetError(value);
  const port = Number(m[3] ?? m[4]);
  if (port < 1 || port > 65535) throw new TcpTargetError(value);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port, banner };
}

/** Where the probes look, all under one root so tests can point them at a fake tree. */
export function probeOptionsFor(
  root: string,
  tcpTargets: TcpTarget[],
  schedulingBudgetMs: number,
): ProbeOptions {
  return {
    procDir: join(root, 'proc'),
    sysBlockDir: join(root, 'sys', 'block'),
    sysNetDir: join(root, 'sys', 'class', 'net'),
    devDir: join(root, 'dev'),
    mountsFile: join(root, 'proc', 'self', 'mounts'),
    rootDir: root,
    tcpTargets,
    ipCommand: 'ip',
    schedulingBudgetMs,
  };
}
