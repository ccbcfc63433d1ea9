import { execFile } from 'node:child_process';

/**
 * `kexec --version` / `makedumpfile --version` on the live host, with a timeout: a wedged binary
 * must not hang `check`. Output goes to the library's version parser; failure is null.
 */
export function runToolVersion(
  _tool: 'kexec' | 'makedumpfile',
  path: string,
  timeoutMs = 2000,
): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      path,
      ['--version'],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 },
      (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`;
        // makedumpfile --version exits 0; old kexec prints the version and exits non-zero.
        resolve(out.trim() ? out : err ? null : out);
      },
    );
  });
}
