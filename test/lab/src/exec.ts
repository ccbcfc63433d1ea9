import { spawn } from 'node:child_process';

export class LabError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs a command to completion, capturing output (no shell). */
export function exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) =>
      reject(
        new LabError('spawn', `cannot run ${cmd}: ${e.message} (see scripts/apt/test/lab.txt)`),
      ),
    );
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

/** Like exec, but a non-zero exit is a LabError carrying the command's last stderr line. */
export async function execOk(cmd: string, args: string[]): Promise<string> {
  const r = await exec(cmd, args);
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new LabError('command', `${cmd} ${args.join(' ')} failed (exit ${r.status}): ${last}`);
  }
  return r.stdout;
}
