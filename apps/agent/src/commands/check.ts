import { evaluateReadiness, readHostSnapshot, SysrootError } from '@kdumpfleet/readiness';
import { EXIT_ERROR, EXIT_NO, EXIT_OK, type AgentCommand } from '../command.js';
import { parseArgs } from 'node:util';
import { asUsageError } from '../readiness/cli-args.js';
import { renderReport } from '../readiness/render-report.js';
import { runToolVersion } from '../readiness/tool-versions.js';

const HELP = `usage: kdumpfleet check [--root DIR] [--json] [--verbose]

Tells whether a crash on this host would be captured: crashkernel reserved and big enough,
capture kernel loaded, lockdown/secure boot vs the kexec load method, panic triggers, dump
target space, kdump configuration, tools.

  --root DIR   read a host tree (a mounted disk, an sosreport, a fixture) instead of /;
               nothing is executed then
  --json       print the readiness report as JSON (schema kdumpfleet.readiness/v1)
  --verbose    show skipped checks and each check's evidence

exit: 0 ready, 1 not ready, 2 error`;

export const command: AgentCommand = {
  summary: 'kdump readiness report (exit 0 ready, 1 not ready)',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          root: { type: 'string', default: '/' },
          json: { type: 'boolean', default: false },
          verbose: { type: 'boolean', short: 'v', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    const root = values.root ?? '/';
    let snapshot;
    try {
      snapshot = await readHostSnapshot(root, { runVersion: runToolVersion });
    } catch (err) {
      if (err instanceof SysrootError) {
        console.error(`kdumpfleet check: ${err.message}`);
        return EXIT_ERROR;
      }
      throw err;
    }
    const report = evaluateReadiness(snapshot);
    // No zod validation here: it would double check's start-up time. The report's shape is
    // fixed by the contract's types, and the tests validate every fixture's JSON with the schema.
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else
      console.log(
        renderReport(report, {
          color: process.stdout.isTTY === true && !process.env.NO_COLOR,
          verbose: values.verbose ?? false,
        }),
      );
    return report.ready ? EXIT_OK : EXIT_NO;
  },
};
