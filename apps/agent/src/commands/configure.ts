import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import {
  deriveHostFacts,
  evaluateReadiness,
  readHostSnapshot,
  Sysroot,
  SysrootError,
} from '@kdumpfleet/readiness';
import { EXIT_ERROR, EXIT_OK, type AgentCommand } from '../command.js';
import { asUsageError } from '../readiness/cli-args.js';
import {
  GRUB_DROP_IN,
  PANIC_ON,
  parsePanicOn,
  planConfigure,
  SYSCTL_DROP_IN,
} from '../readiness/configure-plan.js';
import { lineDiff } from '../readiness/line-diff.js';
import { applySysctlNow, writeHostFile } from '../readiness/write-host-file.js';

const HELP = `usage: kdumpfleet configure [--root DIR] [--dry-run] [--yes] [--crashkernel auto|keep|SIZE]
                            [--panic-on LIST] [--json]

Fixes what kdumpfleet can fix safely, in its own drop-in files only (never another tool's file):
  ${GRUB_DROP_IN}   crashkernel= (needs update-grub and a reboot)
  ${SYSCTL_DROP_IN}      panic triggers (applied at once on the running host)
Shows the plan as a diff first; running it twice changes nothing the second time. Never reboots.

  --root DIR         edit a host tree instead of / (nothing is applied to the running kernel)
  --dry-run          show the plan, write nothing
  --yes              do not ask before writing
  --crashkernel X    auto (default): the recommended size when the reservation is missing or too
                     small; keep: leave crashkernel alone; or a value such as 512M or
                     1G-4G:192M,4G-64G:256M,64G-:512M
  --panic-on LIST    also panic on: ${PANIC_ON.join(', ')} (comma-separated; sysrq allows sysrq-c)
  --json             print the plan and what was done as JSON

exit: 0 done (or nothing to do), 2 error`;

export const command: AgentCommand = {
  summary: 'write crashkernel and panic-trigger drop-ins (diff first, idempotent)',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          root: { type: 'string', default: '/' },
          'dry-run': { type: 'boolean', short: 'n', default: false },
          yes: { type: 'boolean', short: 'y', default: false },
          crashkernel: { type: 'string', default: 'auto' },
          'panic-on': { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    const panicOn = parsePanicOn(values['panic-on']);
    let root: Sysroot;
    try {
      root = await Sysroot.open(values.root ?? '/');
    } catch (err) {
      if (err instanceof SysrootError) {
        console.error(`kdumpfleet configure: ${err.message}`);
        return EXIT_ERROR;
      }
      throw err;
    }
    const snap = await readHostSnapshot(root.root);
    const report = evaluateReadiness(snap);
    const facts = deriveHostFacts(snap);
    const grubNow = await root.readText(GRUB_DROP_IN);
    const sysctlNow = await root.readText(SYSCTL_DROP_IN);
    for (const f of [grubNow, sysctlNow]) {
      if (f.state === 'unreadable' || f.state === 'garbage') {
        console.error(`kdumpfleet configure: ${f.source}: ${f.state} (${f.detail})`);
        return EXIT_ERROR;
      }
    }
    const plan = planConfigure(
      snap,
      facts,
      report,
      { grub: grubNow.value, sysctl: sysctlNow.value },
      { crashkernel: values.crashkernel ?? 'auto', panicOn },
    );
    const before = new Map([
      [GRUB_DROP_IN, grubNow.value],
      [SYSCTL_DROP_IN, sysctlNow.value],
    ]);
    const changes = plan.files.map((f) => {
      const old = before.get(f.path) ?? null;
      const action = old === null ? 'create' : old === f.content ? 'unchanged' : 'update';
      return { ...f, action, diff: action === 'unchanged' ? '' : lineDiff(f.path, old, f.content) };
    });
    const pending = changes.filter((c) => c.action !== 'unchanged');
    const dryRun = values['dry-run'] ?? false;

    if (!values.json) {
      console.log(
        `kdumpfleet configure${root.live ? '' : ` (sysroot ${root.root})`}${dryRun ? ' — dry run' : ''}`,
      );
      for (const c of changes) {
        console.log(
          `\n${c.path}: ${c.action}${c.needsReboot && c.action !== 'unchanged' ? ' (needs reboot)' : ''}`,
        );
        for (const r of c.reasons) console.log(`  # ${r}`);
        if (c.diff) console.log(c.diff);
      }
      if (plan.notFixed.length) {
        console.log('\nnot changed by configure (other tools or runtime state):');
        for (const n of plan.notFixed)
          console.log(`  ${n.id}: ${n.message}\n    fix: ${n.remediation}`);
      }
    }

    let applied = false;
    const appliedNow: string[] = [];
    let sysctlFailures: string[] = [];
    if (!dryRun && pending.length > 0) {
      if (!values.yes) {
        if (!process.stdin.isTTY) {
          console.error(
            'kdumpfleet configure: refusing to write without --yes (stdin is not a terminal); use --dry-run to see the plan',
          );
          return EXIT_ERROR;
        }
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`write ${pending.length} file(s)? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          console.log('nothing written');
          return EXIT_OK;
        }
      }
      for (const c of pending) await writeHostFile(root, c.path, c.content);
      applied = true;
      const sysctl = pending.find((c) => c.path === SYSCTL_DROP_IN);
      if (sysctl && root.live) {
        const entries = [...sysctl.content.matchAll(/^([a-z0-9_.]+) = (\S+)$/gm)].map(
          (m) => [m[1], m[2]] as [string, string],
        );
        sysctlFailures = await applySysctlNow(entries);
        appliedNow.push(
          ...entries
            .filter(([k]) => !sysctlFailures.some((f) => f.startsWith(`${k}:`)))
            .map(([k, v]) => `${k} = ${v}`),
        );
      }
    }
    const nextSteps: string[] = [];
    if (pending.some((c) => c.path === GRUB_DROP_IN)) {
      const flavor = snap.kdump?.flavor;
      nextSteps.push(
        flavor === 'rhel'
          ? `RHEL uses BLS entries, not grub.d: grubby --update-kernel=ALL --args="${/crashkernel=\S+?(?=")/.exec(pending.find((c) => c.path === GRUB_DROP_IN)?.content ?? '')?.[0] ?? ''}"`
          : flavor === 'suse'
            ? 'grub2-mkconfig -o /boot/grub2/grub.cfg'
            : 'update-grub',
        'reboot (kdumpfleet never reboots by itself) for the new crashkernel= to be reserved',
      );
    }
    if (pending.some((c) => c.path === SYSCTL_DROP_IN) && !root.live)
      nextSteps.push(
        'panic settings apply at the next boot of that host (or sysctl --system there)',
      );

    if (values.json) {
      console.log(
        JSON.stringify(
          {
            sysroot: root.root,
            dryRun,
            applied,
            changes: changes.map(({ path, action, content, diff, reasons, needsReboot }) => ({
              path,
              action,
              content,
              diff,
              reasons,
              needsReboot,
            })),
            appliedNow,
            sysctlFailures,
            notFixed: plan.notFixed,
            nextSteps,
          },
          null,
          2,
        ),
      );
    } else {
      if (pending.length === 0)
        console.log('\nnothing to change: the drop-ins are already as planned');
      else if (dryRun) console.log(`\ndry run: ${pending.length} file(s) would change`);
      else if (applied) console.log(`\nwrote ${pending.map((c) => c.path).join(', ')}`);
      if (appliedNow.length) console.log(`applied now: ${appliedNow.join(', ')}`);
      for (const f of sysctlFailures) console.log(`could not apply now: ${f}`);
      for (const s of nextSteps) console.log(`next: ${s}`);
    }
    return EXIT_OK;
  },
};
