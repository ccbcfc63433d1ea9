import { execFile } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a system tool (kexec, makedumpfile, sync) with a timeout; never throws for exit codes. */
export function runTool(argv: string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code =
          err === null
            ? 0
            : typeof (err as { code?: unknown }).code === 'number'
              ? (err as { code: number }).code
              : null;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr || (err && code === null ? err.message : '')),
        });
      },
    );
  });
}
