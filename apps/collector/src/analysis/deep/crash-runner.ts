import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBounded } from './bounded-output.js';
import { lastMeaningfulLine, runTool } from './run-tool.js';

/** crash(8) commands run on every dump, each stored as the named text result. */
export const CRASH_COMMANDS: readonly { name: string; command: string }[] = [
  { name: 'crash-sys.txt', command: 'sys' },
  { name: 'crash-bt.txt', command: 'bt' },
  { name: 'crash-bt-a.txt', command: 'bt -a' },
  { name: 'crash-ps.txt', command: 'ps' },
  { name: 'crash-log.txt', command: 'log' },
  { name: 'crash-mod.txt', command: 'mod' },
  { name: 'crash-mod-t.txt', command: 'mod -t' },
  { name: 'crash-kmem-i.txt', command: 'kmem -i' },
  { name: 'crash-foreach-un-bt.txt', command: 'foreach UN bt' },
];

export interface CrashOutput {
  name: string;
  bytes: Buffer;
  truncated: boolean;
}

export type CrashRunResult =
  | { ok: true; outputs: CrashOutput[]; ms: number; warnings: string[] }
  | { ok: false; reason: string; ms: number };

/**
 * One crash(8) session in batch mode (`crash -s -i cmds vmlinux dump`), each command's output
 * redirected by crash itself into its own file (`sys > dir/crash-sys.txt`), so one start-up
 * (loading ~600 MB of DWARF takes most of the time) serves every command.
 */
export async function runCrash(opts: {
  crashBin: string;
  vmlinux: string;
  dump: string;
  workDir: string;
  timeoutMs: number;
  outputMaxBytes: number;
  signal?: AbortSignal;
}): Promise<CrashRunResult> {
  const script = join(opts.workDir, 'crash-commands');
  await writeFile(
    script,
    [...CRASH_COMMANDS.map((c) => `${c.command} > ${join(opts.workDir, c.name)}`), 'quit', ''].join(
      '\n',
    ),
  );
  const run = await runTool(opts.crashBin, ['-s', '-i', script, opts.vmlinux, opts.dump], {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    cwd: opts.workDir,
  });
  if (run.spawnError)
    return {
      ok: false,
      reason: `crash(8) not runnable (${opts.crashBin}): ${run.spawnError}`,
      ms: run.ms,
    };
  if (run.timedOut)
    return { ok: false, reason: `crash(8) timed out after ${opts.timeoutMs} ms`, ms: run.ms };
  const outputs: CrashOutput[] = [];
  for (const c of CRASH_COMMANDS) {
    const got = await readBounded(join(opts.workDir, c.name), opts.outputMaxBytes);
    if (got) outputs.push({ name: c.name, ...got });
  }
  const sys = outputs.find((o) => o.name === 'crash-sys.txt');
  if (!sys || !/RELEASE:/.test(sys.bytes.toString('latin1'))) {
    const why = lastMeaningfulLine(run.output);
    return {
      ok: false,
      reason: `crash(8) could not open the dump (exit ${run.code ?? run.signal}): ${why}`,
      ms: run.ms,
    };
  }
  const warnings = run.output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^WARNING:/.test(l))
    .slice(0, 20);
  return { ok: true, outputs, ms: run.ms, warnings };
}
