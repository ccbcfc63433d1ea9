import type { WatchProbeName } from '@kdumpfleet/contracts';

/**
 * What the watcher hands a probe child (argv[3], JSON) and what the child prints back: one JSON
 * object per stdout line. `step` lines say what the child is about to touch (a pid, a device, a
 * mount, host:port), so when the deadline hits, the last step names what blocks.
 */
export interface TcpTarget {
  host: string;
  port: number;
  /** Wait for the service's first bytes (sshd's banner); false: an accepted connect is enough. */
  banner: boolean;
}

export interface ProbeOptions {
  procDir: string;
  sysBlockDir: string;
  sysNetDir: string;
  devDir: string;
  mountsFile: string;
  /** Mount points of mountsFile are under this root ('/' on a host; a fake tree in tests). */
  rootDir: string;
  tcpTargets: TcpTarget[];
  /** The `ip` binary (iproute2) for the rtnl probe. */
  ipCommand: string;
  /** Timer lateness or fork+exec round trip above this is stuck scheduling. */
  schedulingBudgetMs: number;
}

export type ProbeLine =
  | { step: string }
  | { result: { status: 'ok' | 'stuck' | 'error'; evidence: string[]; data?: unknown } };

export type ProbeStep = (what: string) => void;

export interface ProbeAnswer {
  status: 'ok' | 'stuck' | 'error';
  evidence: string[];
  /** Probe-specific facts for the watcher (the hung-tasks probe's D-state tasks). */
  data?: unknown;
}

export type ProbeFunction = (opts: ProbeOptions, step: ProbeStep) => Promise<ProbeAnswer>;
export type { WatchProbeName };
