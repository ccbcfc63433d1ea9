import { parseArgs } from 'node:util';
import { evaluateReadiness, readHostSnapshot, SysrootError } from '@kdumpfleet/readiness';
import { EXIT_ERROR, EXIT_OK, type AgentCommand } from '../command.js';
import { asUsageError } from '../readiness/cli-args.js';
import { runToolVersion } from '../readiness/tool-versions.js';

const HELP = `usage: kdumpfleet plan [--root DIR] [--json]

Recommended crashkernel= and panic settings for this host, each with its reason (the sizing
formula of libs/readiness, term by term, and the panic-trigger findings). Changes nothing:
'kdumpfleet configure' writes them.

  --root DIR   plan for a host tree instead of /
  --json       { crashkernel: {...}, panic: [{id, status, message, remediation}] }

exit: 0 nothing to change, 1 changes recommended, 2 error`;

/** Readiness checks whose fix is a panic sysctl (the ids of libs/readiness's rules). */
const PANIC_CHECK = /^(panic|softlockup|hardlockup|hung-task|nmi|sysrq|kexec-load-limit)/;

export const command: AgentCommand = {
  summary: 'recommended crashkernel and panic settings, with reasons',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          root: { type: 'string', default: '/' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    let snapshot;
    try {
      snapshot = await readHostSnapshot(values.root ?? '/', { runVersion: runToolVersion });
    } catch (err) {
      if (err instanceof SysrootError) {
        console.error(`kdumpfleet plan: ${err.message}`);
        return EXIT_ERROR;
      }
      throw err;
    }
    const report = evaluateReadiness(snapshot);
    const ck = report.crashkernel;
    const panic = report.checks
      .filter((c) => PANIC_CHECK.test(c.id))
      .map((c) => ({ id: c.id, status: c.status, message: c.message, remediation: c.remediation }));
    const changeCrashkernel = ck.sufficient !== true;
    const panicChanges = panic.filter((p) => p.status === 'fail' || p.status === 'warn');
    if (values.json) {
      console.log(
        JSON.stringify({ crashkernel: { ...ck, change: changeCrashkernel }, panic }, null, 2),
      );
    } else {
      console.log(
        `crashkernel: now ${ck.current}; recommended ${ck.recommended}${changeCrashkernel ? '  ← change' : ' (current is enough)'}`,
      );
      for (const line of ck.explanation) console.log(`  ${line}`);
      console.log('\npanic settings:');
      for (const p of panic)
        console.log(
          `  ${p.status.padEnd(7)} ${p.id}: ${p.message}${p.remediation && p.status !== 'pass' ? `\n          fix: ${p.remediation}` : ''}`,
        );
      console.log("\n'kdumpfleet configure' writes these as drop-ins (diff shown first).");
    }
    return changeCrashkernel || panicChanges.length ? 1 : EXIT_OK;
  },
};
