import { spawn } from 'node:child_process';
import { TailBuffer } from './bounded-output.js';

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** last part of stdout+stderr interleaved */
  output: string;
  ms: number;
  /** spawn error (tool not installed) */
  spawnError: string | null;
}

/**
 * Runs a tool in its own process group under a timeout; on timeout or abort the whole group is
 * SIGKILLed (crash(8) starts gdb threads and pagers' children). The tool is also started under
 * coreutils' `timeout`, so it ends on time even if this worker is SIGKILLed and cannot kill it.
 * Output is kept as a bounded tail.
 */
export function runTool(
  command: string,
  args: string[],
  opts: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<ToolRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const tail = new TailBuffer();
    let timedOut = false;
    let spawnError: string | null = null;
    const seconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000) + 5);
    const child = spawn('timeout', ['--kill-after=5', String(seconds), command, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PAGER: 'cat', ...opts.env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    const onAbort = () => killGroup();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => tail.push(d));
    child.stderr.on('data', (d: Buffer) => tail.push(d));
    child.once('error', (e) => {
      spawnError = e.message;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // timeout(1): 125 = its own failure, 127 = command not found, 126 = not executable
      if (code === 127 || code === 126) spawnError ??= `${command}: not found or not executable`;
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        signal,
        timedOut,
        output: tail.toString(),
        ms: performance.now() - started,
        spawnError,
      });
    });
  });
}

/**
 * The most telling line of a tool's output, for a one-line failure reason: the last fatal line
 * (`crash: …`, a Python exception), followed by the first WARNING when there is one (crash's
 * "invalid linux_banner pointer" explains its later "do not match!").
 */
export function lastMeaningfulLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== '' &&
        !/^(Type "help|please wait|crash \d|Copyright|GNU gdb|This GDB|For help|Usage:|Enter "crash -h|crash \[OPTION\])/.test(
          l,
        ),
    );
  const fatal = lines.filter((l) => /^crash: |error|cannot|failed|Traceback|Error:/i.test(l));
  const main = fatal[fatal.length - 1] ?? lines[lines.length - 1] ?? 'no output';
  const warning = lines.find((l) => /^WARNING: /.test(l));
  return (warning && warning !== main ? `${main} (${warning})` : main).slice(0, 500);
}
