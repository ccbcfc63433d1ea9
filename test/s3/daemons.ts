import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs a ceph program with its output appended to `logFile` (never a pipe: a daemon that
 * forks would keep the pipe open and we would wait forever) and resolves with its exit code.
 */
export function run(
  cmd: string,
  args: readonly string[],
  logFile: string,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', log] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      closeSync(log);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      closeSync(log);
      resolve({ code, stdout });
    });
  });
}

/** Starts a self-daemonizing ceph program: waits for the parent to exit, output to a log. */
export async function startDaemon(
  cmd: string,
  args: readonly string[],
  logFile: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', log, log], detached: true });
    child.on('error', (err) => {
      closeSync(log);
      reject(err);
    });
    child.on('exit', (code) => {
      closeSync(log);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code}; see ${logFile}`));
    });
  });
}

/** Polls `check` every 200 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/**
 * The pid in `pidFile`, but only if that process runs with our cluster's ceph.conf: a stale
 * pid file must never make us signal an unrelated process that reused the number.
 */
export function ourPid(pidFile: string, confPath: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(confPath) ? pid : null;
  } catch {
    return null;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return (
      existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
    );
  } catch {
    return false;
  }
};

/** SIGTERM the daemons behind these pid files, SIGKILL whatever is left after `graceMs`. */
export async function stopDaemons(
  pidFiles: readonly string[],
  confPath: string,
  graceMs: number,
): Promise<void> {
  const pids = pidFiles.map((f) => ourPid(f, confPath)).filter((p): p is number => p !== null);
  for (const pid of pids) signal(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const end = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < end) await sleep(100);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  while (pids.some(alive) && Date.now() < end + 5000) await sleep(50);
  for (const f of pidFiles) rmSync(f, { force: true });
}

/** Synchronous SIGKILL of every daemon of a cluster dir: for process 'exit' handlers. */
export function killAllSync(runDir: string, confPath: string): void {
  if (!existsSync(runDir)) return;
  for (const f of readdirSync(runDir).filter((n) => n.endsWith('.pid'))) {
    const pid = ourPid(join(runDir, f), confPath);
    if (pid !== null) signal(pid, 'SIGKILL');
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
