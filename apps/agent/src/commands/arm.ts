import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readHostSnapshot } from '@kdumpfleet/readiness';
import { EXIT_ERROR, EXIT_OK, type AgentCommand } from '../command.js';
import { planArm } from '../capture/arm-plan.js';
import { runTool } from '../capture/run-tool.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { runToolVersion } from '../readiness/tool-versions.js';

const HELP = `usage: kdumpfleet arm [--own] [--dry-run] [--json]

Loads the capture kernel (panic kernel) so that the next crash is captured:
  kexec -s -p <kernel> --initrd=<initrd> --command-line="<running cmdline minus crashkernel,
  panic_on_warn, hugepages…, plus irqpoll nr_cpus=1 reset_devices panic=10
  systemd.unit=kdumpfleet-capture.service>"
Under lockdown or secure boot only kexec_file_load (-s) is used; elsewhere kexec_load (-c) is a
fallback only with agent.json "allowKexecLoad": true and kernel.kexec_load_disabled=0.
Where kdump-tools, kdumpctl or SUSE's kdump manage the host, arm runs their loader instead
(kdump-config load, kdumpctl restart, systemctl restart kdump) unless --own is given.

  --own       load with kdumpfleet even where another tool manages kdump
  --dry-run   print what would run
  --json      print the plan and outcome as JSON

exit: 0 capture kernel loaded (/sys/kernel/kexec_crash_loaded = 1), 2 error`;

function crashLoaded(): boolean {
  try {
    return readFileSync('/sys/kernel/kexec_crash_loaded', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export const command: AgentCommand = {
  summary: 'load the capture kernel (kexec -s -p), or defer to kdump-tools/kdumpctl',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          own: { type: 'boolean', default: false },
          'dry-run': { type: 'boolean', short: 'n', default: false },
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
    const snapshot = await readHostSnapshot(process.env.KDUMPFLEET_SYSROOT ?? '/', {
      runVersion: runToolVersion,
    });
    const plan = planArm(snapshot, {
      own: values.own ?? false,
      allowKexecLoad: config.allowKexecLoad,
      captureKernel: config.captureKernel,
      captureInitrd: config.captureInitrd,
      cmdlineAppend: config.captureCmdlineAppend,
      kexecArgs: config.kexecArgs,
    });
    const say = (o: Record<string, unknown>, text: string) =>
      console.log(values.json ? JSON.stringify({ plan, ...o }, null, 2) : text);
    if (plan.kind === 'refuse') {
      console.error(`kdumpfleet arm: ${plan.reason}`);
      return EXIT_ERROR;
    }
    if (plan.kind === 'defer') {
      if (values['dry-run']) {
        say({ dryRun: true }, `${plan.why}\nwould run: ${plan.argv.join(' ')}`);
        return EXIT_OK;
      }
      const r = await runTool(plan.argv);
      if (r.code !== 0 || !crashLoaded()) {
        console.error(
          `kdumpfleet arm: ${plan.argv.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
        );
        return EXIT_ERROR;
      }
      say({ loaded: true }, `capture kernel loaded by ${plan.tool} (${plan.argv.join(' ')})`);
      return EXIT_OK;
    }
    if (values['dry-run']) {
      say(
        { dryRun: true },
        [
          ...plan.why,
          ...plan.attempts.map((a) => `would run (${a.method}): ${plan.kexec} ${a.argv.join(' ')}`),
        ].join('\n'),
      );
      return EXIT_OK;
    }
    if (plan.unloadFirst) await runTool([plan.kexec, '-s', '-p', '-u']);
    const errors: string[] = [];
    for (const a of plan.attempts) {
      const r = await runTool([plan.kexec, ...a.argv]);
      if (r.code === 0 && crashLoaded()) {
        say(
          { loaded: true, method: a.method },
          `capture kernel loaded with ${a.method}: ${plan.kernel}${plan.initrd ? ` + ${plan.initrd}` : ''}`,
        );
        return EXIT_OK;
      }
      errors.push(
        `${a.method}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.code}`}`,
      );
    }
    console.error(`kdumpfleet arm: loading the capture kernel failed: ${errors.join('; ')}`);
    return EXIT_ERROR;
  },
};
