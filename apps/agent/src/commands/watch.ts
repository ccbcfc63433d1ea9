import { parseArgs } from 'node:util';
import { watchProbeNameSchema, type WatchProbeName } from '@kdumpfleet/contracts';
import { EXIT_NO, EXIT_OK, UsageError, type AgentCommand } from '../command.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { sendHeartbeat } from '../watch/heartbeat.js';
import { parseTcpTarget, probeOptionsFor } from '../watch/probe-options.js';
import { formatVerdict } from '../watch/verdict.js';
import { DEFAULT_PROBES, Watcher } from '../watch/watcher.js';

const HELP = `usage: kdumpfleet watch [--once] [--json] [--interval S] [--deadline S] [options]

Probes the host from inside, each probe in a child process with a hard deadline, and says
'alive' or 'undead' (named subsystems stuck, with evidence): TCP accept of local services,
the process table (/proc/<pid>/cmdline, status), block I/O (O_DIRECT read of each disk,
write+fsync on each writable filesystem), rtnl (ip link set lo mtu <same>), scheduling
(timer, fork+exec), hung tasks (D state without running for --hung-after, with stacks).
With a collector configured, each round is sent as a heartbeat; the collector calls the node
dead when heartbeats stop.

  --once            one round, print it, exit 0 alive / 1 undead
  --json            print each round as kdumpfleet.watch/v1 JSON (one object per line)
  --interval S      seconds between rounds (default 30)
  --deadline S      seconds a probe may take before it is stuck (default 10, < interval)
  --hung-after S    D state without running this long = hung task (default 30)
  --tcp [H:]PORT    a service that sends a banner (repeatable; default 127.0.0.1:22)
  --tcp-connect [H:]PORT  a service that only has to accept (repeatable)
  --probes LIST     comma-separated subset of: ${DEFAULT_PROBES.join(', ')}
  --sysroot DIR     read proc/, sys/, dev/ under DIR (default KDUMPFLEET_SYSROOT or /)
  --no-heartbeat    do not send heartbeats even if a collector is configured

exit: 0 alive (or stopped by a signal), 1 undead (--once), 2 error`;

function seconds(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name}: '${v}' is not a positive number of seconds`);
  return n;
}

export const command: AgentCommand = {
  summary: 'probe for partial hangs (alive/undead) and send heartbeats',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          once: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          interval: { type: 'string' },
          deadline: { type: 'string' },
          'hung-after': { type: 'string' },
          tcp: { type: 'string', multiple: true },
          'tcp-connect': { type: 'string', multiple: true },
          probes: { type: 'string' },
          sysroot: { type: 'string' },
          'no-heartbeat': { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    const intervalS = seconds('interval', values.interval, 30);
    const deadlineS = seconds('deadline', values.deadline, 10);
    if (deadlineS >= intervalS && !values.once)
      throw new UsageError(
        `--deadline (${deadlineS}) must be shorter than --interval (${intervalS})`,
      );
    const hungAfterS = seconds('hung-after', values['hung-after'], 30);
    const probes: WatchProbeName[] = values.probes
      ? values.probes.split(',').map((p) => {
          const r = watchProbeNameSchema.safeParse(p.trim());
          if (!r.success)
            throw new UsageError(`--probes: unknown probe '${p}' (${DEFAULT_PROBES.join(', ')})`);
          return r.data;
        })
      : [...DEFAULT_PROBES];
    const tcp = asUsageError(() => [
      ...(values.tcp ?? (values['tcp-connect'] ? [] : ['127.0.0.1:22'])).map((t) =>
        parseTcpTarget(t, true),
      ),
      ...(values['tcp-connect'] ?? []).map((t) => parseTcpTarget(t, false)),
    ]);
    const config = loadAgentConfig();
    const collector =
      !values['no-heartbeat'] && config.collectorUrl && config.uploadToken
        ? { url: config.collectorUrl, token: config.uploadToken }
        : null;
    const root = values.sysroot ?? process.env.KDUMPFLEET_SYSROOT ?? '/';
    const watcher = new Watcher({
      node: config.node,
      probes,
      probeOptions: probeOptionsFor(root, tcp, Math.min(2000, (deadlineS * 1000) / 2)),
      intervalMs: intervalS * 1000,
      deadlineMs: deadlineS * 1000,
      hungAfterMs: hungAfterS * 1000,
    });

    let stopping = false;
    let wake: (() => void) | null = null;
    const stop = () => {
      stopping = true;
      wake?.();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    let last: 'alive' | 'undead' = 'alive';
    while (!stopping) {
      const started = Date.now();
      const verdict = await watcher.round();
      last = verdict.verdict;
      console.log(values.json ? JSON.stringify(verdict) : formatVerdict(verdict));
      if (collector) {
        // The heartbeat has its own timeout; a collector that is down never stops the probes.
        await sendHeartbeat(
          collector.url,
          collector.token,
          verdict,
          Math.max(1000, deadlineS * 1000),
        ).catch((err: Error) => console.error(`kdumpfleet: ${err.message}`));
      }
      if (values.once) break;
      const wait = Math.max(0, intervalS * 1000 - (Date.now() - started));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    // Lingering probe children are unref'd: a D-state child does not keep us from exiting.
    return values.once && last === 'undead' ? EXIT_NO : EXIT_OK;
  },
};
