import { parseArgs } from 'node:util';
import { EXIT_NO, EXIT_OK, type AgentCommand } from '../command.js';
import { loadAgentConfig, requireCollector } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { buildReport, sendReport } from '../report/send-report.js';

const HELP = `usage: kdumpfleet report [--json]

Runs the readiness check (as 'kdumpfleet check') and sends the report to the collector
(POST /api/v1/nodes/<node>/readiness with the upload token). The collector keeps every report
and shows the newest per node at GET /api/v1/nodes.

  --json   print the collector's answer as JSON

exit: 0 sent and ready, 1 sent and not ready, 2 error (not sent)`;

export const command: AgentCommand = {
  summary: 'send the readiness report to the collector',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
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
    const report = await buildReport(process.env.KDUMPFLEET_SYSROOT ?? '/');
    const sent = await sendReport(url, token, config.node, report);
    if (values.json) console.log(JSON.stringify(sent, null, 2));
    else
      console.log(
        `report ${sent.id} sent for ${config.node}: ${report.verdict} (${report.findings.length} findings)`,
      );
    return report.ready ? EXIT_OK : EXIT_NO;
  },
};
