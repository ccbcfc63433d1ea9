import { parseArgs } from 'node:util';
import { EXIT_OK, type AgentCommand } from '../command.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { findDumps } from '../discovery/find-dumps.js';
import { asUsageError } from '../readiness/cli-args.js';
import { UploadLedger } from '../upload/upload-ledger.js';

const HELP = `usage: kdumpfleet dumps [--dir DIR]... [--json]

Lists crash dumps under the dump directories (agent.json dumpDir/dumpDirs, default /var/crash)
in kdump-tools, kdumpctl, SUSE and kdumpfleet layouts, each with its state:
  complete    ready to upload
  incomplete  the capture did not finish (marker file present); never uploaded
  invalid     empty, truncated or not a vmcore; never uploaded
  uploaded    the collector confirmed it (dump id shown)

  --dir DIR   scan DIR instead of the configured directories (repeatable)
  --json      JSON: { dumps: [...], skipped: [...] }

exit: 0, or 2 on a configuration error`;

export const command: AgentCommand = {
  summary: 'list crash dumps found on this host and their upload state',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          dir: { type: 'string', multiple: true },
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
    const dirs = values.dir?.length ? values.dir : config.dumpDirs;
    const result = await findDumps(dirs, new UploadLedger(config.stateDir));
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return EXIT_OK;
    }
    if (result.dumps.length === 0) console.log(`no dumps in ${dirs.join(', ')}`);
    for (const d of result.dumps) {
      const size = d.size === null ? '' : `${(d.size / 1048576).toFixed(1)} MiB`;
      const extra = d.state === 'uploaded' ? `dump ${d.dumpId}` : (d.reason ?? d.format ?? '');
      console.log(
        `${d.state.padEnd(10)} ${d.layout.padEnd(11)} ${size.padStart(11)}  ${d.file ?? d.dir}  ${extra}`,
      );
    }
    for (const s of result.skipped) console.log(`skipped    ${s.path}: ${s.reason}`);
    return EXIT_OK;
  },
};
