import { parseArgs } from 'node:util';
import { EXIT_ERROR, EXIT_OK, type AgentCommand } from '../command.js';
import { captureDump } from '../capture/capture-dump.js';
import { runTool } from '../capture/run-tool.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';

const HELP = `usage: kdumpfleet capture [--vmcore FILE] [--dump-dir DIR] [--reboot] [--json]

Runs inside the capture kernel (kdumpfleet-capture.service): saves /proc/vmcore with
makedumpfile (agent.json makedumpfileArgs, default "-l -d 31") into <dumpDir>/<stamp>/ in Debian
layout. The dump is written as dump-incomplete and renamed to dump.<stamp> only after
makedumpfile succeeded and the file was fsynced; the dmesg (dmesg.<stamp>) is saved first.
With less than minFreeSpace free only the dmesg is saved.

  --vmcore FILE    read this instead of /proc/vmcore (tests, re-capture of an ELF vmcore)
  --dump-dir DIR   write here instead of agent.json dumpDir
  --makedumpfile P makedumpfile binary (default: makedumpfile on PATH)
  --reboot         reboot -f when done (the systemd unit reboots by itself)
  --json           print the outcome as JSON

exit: 0 complete dump saved, 1 dump incomplete (dmesg may be saved), 2 error`;

export const command: AgentCommand = {
  summary: 'save /proc/vmcore with makedumpfile (inside the capture kernel)',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          vmcore: { type: 'string', default: '/proc/vmcore' },
          'dump-dir': { type: 'string' },
          makedumpfile: { type: 'string', default: 'makedumpfile' },
          reboot: { type: 'boolean', default: false },
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
    const r = await captureDump({
      vmcore: values.vmcore ?? '/proc/vmcore',
      dumpDir: values['dump-dir'] ?? config.dumpDir,
      makedumpfile: values.makedumpfile ?? 'makedumpfile',
      makedumpfileArgs: config.makedumpfileArgs,
      minFreeBytes: config.minFreeSpaceBytes,
    });
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else if (r.complete)
      console.log(
        `dump saved: ${r.dump} (${r.bytes} bytes, ${r.seconds.toFixed(1)} s); dmesg: ${r.dmesg ?? 'none'}`,
      );
    else console.error(`kdumpfleet capture: incomplete dump in ${r.dir}: ${r.reason}`);
    if (values.reboot) await runTool(['reboot', '-f']);
    return r.complete ? EXIT_OK : r.dmesg ? 1 : EXIT_ERROR;
  },
};
