import { parseArgs } from 'node:util';
import { EXIT_ERROR, EXIT_NO, EXIT_OK, UsageError, type AgentCommand } from '../command.js';
import { runTool } from '../capture/run-tool.js';
import { loadAgentConfig, requireCollector } from '../config/agent-config.js';
import { listDrills, registerDrill } from '../drill/collector-drills.js';
import { Kfault } from '../drill/kfault.js';
import { asUsageError } from '../readiness/cli-args.js';
import { buildReport } from '../report/send-report.js';

const HELP = `usage: kdumpfleet drill SCENARIO --yes-crash-this-host [--window SECONDS] [--force]
       kdumpfleet drill --status [--json]

A fire drill: proves that a crash of this host is captured and reaches the collector.
  1. checks readiness (refuses a host that is not ready, unless --force)
  2. registers the drill with the collector (POST /api/v1/nodes/<node>/drills)
  3. sets the sysctl that makes the scenario a panic (e.g. kernel.panic_on_oops=1 for oops)
  4. syncs filesystems, arms kfault (/sys/kernel/debug/kfault/arm) and writes the scenario to
     /sys/kernel/debug/kfault/trigger: THE HOST CRASHES
After the reboot, 'kdumpfleet run' uploads the dump and the collector marks the drill passed
when that dump arrives inside the window (default agent.json drillWindow, 30 min).

  SCENARIO               a kfault crash scenario: panic, oops, bug, warn, softlockup, hung-task…
  --yes-crash-this-host  required: this command crashes the machine it runs on
  --window SECONDS       how long the collector waits for the dump
  --force                drill even when check says not ready (the drill will then fail)
  --status               list this node's drills and their verdicts

exit: 0 (--status: every drill passed), 1 refused (not ready) or a drill failed, 2 error`;

export const command: AgentCommand = {
  summary: 'fire drill: crash this host on purpose with kfault and expect the dump',
  async run(argv) {
    const { values, positionals } = asUsageError(() =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          'yes-crash-this-host': { type: 'boolean', default: false },
          window: { type: 'string' },
          force: { type: 'boolean', default: false },
          status: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    const config = loadAgentConfig();
    const { url, token } = requireCollector(config);
    if (values.status) {
      const drills = await listDrills(url, token, config.node);
      if (values.json) console.log(JSON.stringify({ drills }, null, 2));
      else if (!drills.length) console.log(`no drills for ${config.node}`);
      else
        for (const d of drills)
          console.log(
            `${d.state.padEnd(8)} ${d.scenario.padEnd(16)} ${d.createdAt}  ${d.dumpId ? `dump ${d.dumpId}` : `until ${d.deadlineAt}`}`,
          );
      return drills.some((d) => d.state === 'failed') ? EXIT_NO : EXIT_OK;
    }
    const scenario = positionals[0];
    if (!scenario || positionals.length > 1)
      throw new UsageError('drill: give one SCENARIO (see --help)');
    if (!values['yes-crash-this-host'])
      throw new UsageError('drill crashes this host: add --yes-crash-this-host to confirm');
    const windowSeconds = values.window ? Number(values.window) : config.drillWindowMs / 1000;
    if (!Number.isInteger(windowSeconds) || windowSeconds <= 0)
      throw new UsageError(`--window ${values.window}: a positive number of seconds`);
    const root = process.env.KDUMPFLEET_SYSROOT ?? '/';
    const kfault = new Kfault(root);
    await kfault.crashScenario(scenario);
    const report = await buildReport(root);
    if (!report.ready && !values.force) {
      console.error(
        `kdumpfleet drill: refused: this host is not ready (${report.findings
          .filter((f) => f.severity === 'error')
          .map((f) => f.id)
          .join(', ')}); fix it or pass --force`,
      );
      return EXIT_NO;
    }
    const drill = await registerDrill(url, token, config.node, scenario, windowSeconds);
    const knob = await kfault.enablePanic(scenario);
    console.log(
      `drill ${drill.id}: ${scenario} on ${config.node}${knob ? ` (${knob})` : ''}; the collector waits until ${drill.deadlineAt}. Crashing now.`,
    );
    if (root === '/') await runTool(['sync'], 30_000);
    await kfault.arm();
    await kfault.trigger(scenario);
    // Only a scenario that did not panic comes back here.
    console.error(
      `kdumpfleet drill: the host survived the '${scenario}' trigger: no crash, drill ${drill.id} will fail`,
    );
    return EXIT_ERROR;
  },
};
