import { parseArgs } from 'node:util';
import { EXIT_NO, EXIT_OK, type AgentCommand } from '../command.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { formatVerdict } from '../watch/verdict.js';
import { runWatchLoop } from '../watch/watch-loop.js';
import { watchSettings } from '../watch/watch-settings.js';
import { DEFAULT_PROBES } from '../watch/watcher.js';

const HELP = `usage: kdumpfleet watch [--once] [--json] [--interval S] [--deadline S] [options]

Probes the host from inside, each probe in a child process with a hard deadline, and says
'alive' or 'undead' (named subsystems stuck, with evidence): TCP accept of local services,
the process table (/proc/<pid>/cmdline, status), block I/O (O_DIRECT read of each disk,
write+fsync on each writable filesystem), rtnl (ip link set lo mtu <same>), scheduling
(timer, fork+exec), hung tasks (D state without running for --hung-after, with stacks).
With a collector configured, each round is sent as a heartbeat; the collector calls the node
dead when heartbeats stop. Defaults come from agent.json "watch" (see the README); flags win.

  --once            one round, print it, exit 0 alive / 1 undead
  --json            print each round as kdumpfleet.watch/v1 JSON (one object per line)
  --interval S      seconds between rounds (default 30)
  --deadline S      seconds a probe may take before it is stuck (default 10, < interval)
  --hung-after S    D state without running this long = hung task (default 30)
  --tcp [H:]PORT    a service that sends a banner (repeatable; default 127.0.0.1:22)
  --tcp-connect [H:]PORT  a service that only has to accept (repeatable)
  --probes LIST     comma-separated subset of: ${DEFAULT_PROBES.join(', ')}
  --action report|crash   report only (default), or crash the host when undead too long:
                    after --crash-after S of undead rounds without an alive one, and only if
                    kdump is ready (the same check as 'kdumpfleet check'; else 'refused'),
                    write the evidence to /dev/kmsg (lines 'kdumpfleet-watch: ...'), send a
                    last heartbeat, then write c to /proc/sysrq-trigger
  --crash-after S   seconds undead before the action fires (default 300, >= --interval)
  --sysroot DIR     proc/, sys/, dev/ under DIR (default KDUMPFLEET_SYSROOT or /)
  --no-heartbeat    do not send heartbeats even if a collector is configured

example (crash lab): kdumpfleet watch --interval 5 --deadline 3 --action crash --crash-after 10

exit: 0 alive (or stopped by a signal), 1 undead (--once), 2 error`;

export const command: AgentCommand = {
  summary: 'probe for partial hangs (alive/undead), send heartbeats, optionally crash to dump',
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
          action: { type: 'string' },
          'crash-after': { type: 'string' },
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
    const config = loadAgentConfig();
    const settings = watchSettings(config.watch, values);
    const collector =
      !values['no-heartbeat'] && config.collectorUrl && config.uploadToken
        ? { url: config.collectorUrl, token: config.uploadToken }
        : null;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const last = await runWatchLoop({
      node: config.node,
      settings,
      sysroot: values.sysroot ?? process.env.KDUMPFLEET_SYSROOT ?? '/',
      collector,
      once: values.once ?? false,
      signal: stop.signal,
      print: (v) => console.log(values.json ? JSON.stringify(v) : formatVerdict(v)),
      // stdout carries only verdicts (one JSON object per line with --json).
      log: (event, fields) => console.error(`kdumpfleet watch: ${event} ${JSON.stringify(fields)}`),
    });
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Lingering probe children are unref'd: a D-state child does not keep us from exiting.
    return values.once && last?.verdict === 'undead' ? EXIT_NO : EXIT_OK;
  },
};
