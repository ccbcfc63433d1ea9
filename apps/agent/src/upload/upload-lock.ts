import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export class UploadBusyError extends Error {
  readonly code = 'UPLOAD_BUSY';
  constructor(readonly pid: number) {
    super(`another kdumpfleet upload (pid ${pid}) is running`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `<stateDir>/upload.lock` holds the pid of the agent that uploads: the timer's `run` and a
 * manual `upload` must not both PATCH the same tus upload. A lock whose pid is dead (SIGKILL,
 * reboot) is taken over.
 */
export function acquireUploadLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'upload.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new UploadBusyError(pid);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take ${path}`);
}
