import { statfs } from 'node:fs/promises';

/** Bytes available to an unprivileged writer on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}
