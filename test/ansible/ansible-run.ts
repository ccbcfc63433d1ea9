// Runs the real ansible-playbook against the repository's ansible/ tree and reads its recap.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
export { freePort } from '../net/free-port.js';

export interface PlaybookResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface RecapLine {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

export function ansibleEnv(ansibleDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_CONFIG: join(ansibleDir, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    PY_COLORS: '0',
  };
}

export function runTool(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<PlaybookResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

/** The PLAY RECAP line of one host, or null when the host is not in the recap. */
export function recapOf(stdout: string, host: string): RecapLine | null {
  const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(
    `^${escaped}\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)\\s+skipped=(\\d+)`,
    'm',
  ).exec(stdout);
  if (!m) return null;
  const [ok, changed, unreachable, failed, skipped] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { ok, changed, unreachable, failed, skipped };
}

/** Task names that reported "changed" for a host (to explain a failed idempotence check). */
export function changedTasks(stdout: string, host: string): string[] {
  const names: string[] = [];
  let task = '';
  for (const line of stdout.split('\n')) {
    const t = /^(?:TASK|RUNNING HANDLER) \[(.*)\]/.exec(line);
    if (t) task = t[1] ?? '';
    else if (line.startsWith(`changed: [${host}]`)) names.push(task);
  }
  return names;
}

/** KEY=value lines of a systemd EnvironmentFile (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1] ?? ''] = m[2] ?? '';
  }
  return env;
}
