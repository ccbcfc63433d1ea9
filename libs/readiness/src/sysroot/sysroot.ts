import { constants } from 'node:fs';
import { access, lstat, readFile, readdir, readlink, stat, statfs } from 'node:fs/promises';
import { posix } from 'node:path';
import { SysrootError } from '../errors.js';
import { notOk, ok, type Field } from '../snapshot/field.js';

/** /proc files are small; anything bigger than this is not the file we expect. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;
/** The kernel gives up after 40 symlinks (MAXSYMLINKS); so do we. */
const MAX_SYMLINKS = 40;

export interface RootedStat {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  mode: number;
  uid: number;
}

/**
 * A host's file tree seen from outside: `/` for the running host, or a directory holding a copy
 * of one (a fixture, a mounted disk, an sosreport). Absolute symlinks inside it are resolved
 * against the sysroot, never against this machine's `/`.
 */
export class Sysroot {
  readonly root: string;
  readonly live: boolean;

  constructor(root: string) {
    this.root = posix.resolve(root);
    this.live = this.root === '/';
  }

  static async open(root: string): Promise<Sysroot> {
    const s = new Sysroot(root);
    let st;
    try {
      st = await stat(s.root);
    } catch (err) {
      throw new SysrootError(errMessage(err), s.root);
    }
    if (!st.isDirectory()) throw new SysrootError('not a directory', s.root);
    return s;
  }

  /** Host path → path on this machine, following symlinks inside the sysroot. */
  async resolve(hostPath: string): Promise<string> {
    if (this.live) return hostPath;
    const parts = posix.normalize(`/${hostPath}`).split('/').filter(Boolean);
    let current = '/';
    let hops = 0;
    while (parts.length > 0) {
      const part = parts.shift() as string;
      if (part === '..') {
        current = posix.dirname(current);
        continue;
      }
      const next = posix.join(current, part);
      let target: string | null = null;
      try {
        const st = await lstat(this.outside(next));
        if (st.isSymbolicLink()) target = await readlink(this.outside(next));
      } catch {
        // Missing component: the rest cannot be symlinks; the caller's read reports ENOENT.
        return this.outside(posix.join(next, ...parts));
      }
      if (target === null) {
        current = next;
        continue;
      }
      if (++hops > MAX_SYMLINKS)
        throw Object.assign(new Error('too many symlinks'), { code: 'ELOOP' });
      parts.unshift(...target.split('/').filter(Boolean));
      current = target.startsWith('/') ? '/' : current;
    }
    return this.outside(current);
  }

  private outside(hostPath: string): string {
    return this.live ? hostPath : posix.join(this.root, hostPath);
  }

  async readText(hostPath: string): Promise<Field<string>> {
    try {
      const real = await this.resolve(hostPath);
      const buf = await readFile(real);
      if (buf.length > MAX_TEXT_BYTES)
        return notOk('garbage', hostPath, `larger than ${MAX_TEXT_BYTES} bytes`);
      return ok(buf.toString('utf8'), hostPath);
    } catch (err) {
      return fromError(err, hostPath);
    }
  }

  async readBytes(hostPath: string, max = 4096): Promise<Field<Buffer>> {
    try {
      const buf = await readFile(await this.resolve(hostPath));
      return ok(buf.subarray(0, max), hostPath);
    } catch (err) {
      return fromError(err, hostPath);
    }
  }

  async stat(hostPath: string): Promise<Field<RootedStat>> {
    try {
      const st = await stat(await this.resolve(hostPath));
      return ok(
        {
          isFile: st.isFile(),
          isDirectory: st.isDirectory(),
          size: st.size,
          mode: st.mode,
          uid: st.uid,
        },
        hostPath,
      );
    } catch (err) {
      return fromError(err, hostPath);
    }
  }

  async list(hostPath: string): Promise<Field<string[]>> {
    try {
      const names = await readdir(await this.resolve(hostPath));
      return ok(names.sort(), hostPath, 'dir');
    } catch (err) {
      return fromError(err, hostPath, 'dir');
    }
  }

  /** Free bytes for unprivileged writers (f_bavail) of the filesystem holding `hostPath`. */
  async freeBytes(hostPath: string): Promise<Field<number>> {
    try {
      const s = await statfs(await this.resolve(hostPath));
      return ok(Number(s.bavail) * Number(s.bsize), hostPath, 'statfs');
    } catch (err) {
      return fromError(err, hostPath, 'statfs');
    }
  }

  /** On the live host: can root write here (access(2)). In a sysroot: the owner write bit. */
  async writable(hostPath: string): Promise<Field<boolean>> {
    try {
      const real = await this.resolve(hostPath);
      if (this.live) {
        try {
          await access(real, constants.W_OK);
          return ok(true, hostPath);
        } catch {
          return ok(false, hostPath);
        }
      }
      const st = await stat(real);
      return ok((st.mode & 0o200) !== 0, hostPath);
    } catch (err) {
      return fromError(err, hostPath);
    }
  }
}

function errMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String(err);
}

function fromError<T>(
  err: unknown,
  hostPath: string,
  method: 'file' | 'dir' | 'statfs' = 'file',
): Field<T> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return notOk('missing', hostPath, 'no such file', method);
  if (code === 'EISDIR')
    return notOk('garbage', hostPath, 'is a directory, expected a file', method);
  if (code === 'ELOOP') return notOk('unreadable', hostPath, 'symlink loop', method);
  return notOk('unreadable', hostPath, code ?? errMessage(err), method);
}
