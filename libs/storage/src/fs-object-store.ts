import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import {
  access,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ObjectKeyError,
  ObjectNotFoundError,
  ObjectSizeMismatchError,
  StoreUnavailableError,
} from './errors.js';
import {
  checkRange,
  checkRangeAgainstSize,
  validateMetadata,
  validateObjectKey,
} from './object-key.js';
import type { ObjectListing, ObjectStat, ObjectStore, WriteOptions } from './object-store.js';

/** Temp files live inside the root so that the final rename stays on one filesystem. */
const TMP_DIR = '.tmp';
/** Content type and user metadata, one JSON file per object that has any. */
const META_DIR = '.meta';

interface Sidecar {
  contentType?: string;
  metadata?: Record<string, string>;
}

const isErrno = (err: unknown, code: string): boolean =>
  (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * Objects as files under `root` (the embedded default backend, DATA_DIR/objects in the
 * collector). Writes go to a temp file, are fsynced, then renamed into place: readers see the
 * old object or the new one. Keys are validated, and a key can never reach outside `root`,
 * not even through a symbolic link planted inside it (parents are resolved with realpath,
 * the final component is opened with O_NOFOLLOW).
 */
export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  readonly root: string;
  private realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private rootReady(): Promise<string> {
    this.realRoot ??= (async () => {
      await mkdir(join(this.root, TMP_DIR), { recursive: true });
      await mkdir(join(this.root, META_DIR), { recursive: true });
      return realpath(this.root);
    })().catch((err: unknown) => {
      this.realRoot = undefined;
      throw err;
    });
    return this.realRoot;
  }

  /**
   * Path of `key` under `base` (the root or the metadata dir), with the parent directory
   * resolved and checked to be inside it. Returns null when the parent does not exist.
   */
  private async pathOf(key: string, base: string, createParents: boolean): Promise<string | null> {
    validateObjectKey(key);
    const realBase = base === this.root ? await this.rootReady() : await realpath(base);
    const path = join(realBase, ...key.split('/'));
    const parent = dirname(path);
    if (createParents) await mkdir(parent, { recursive: true });
    let realParent: string;
    try {
      realParent = await realpath(parent);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
    if (realParent !== realBase && !realParent.startsWith(realBase + sep)) {
      throw new ObjectKeyError(key, 'leads outside the store through a symbolic link');
    }
    return join(realParent, basename(path));
  }

  private async dataPath(key: string, createParents = false): Promise<string | null> {
    return this.pathOf(key, this.root, createParents);
  }

  private async metaPath(key: string, createParents = false): Promise<string | null> {
    await this.rootReady();
    const p = await this.pathOf(key, join(this.root, META_DIR), createParents);
    return p === null ? null : `${p}.json`;
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const path = await this.dataPath(key);
    if (path === null) return null;
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
    if (st.isSymbolicLink()) throw new ObjectKeyError(key, 'is a symbolic link');
    if (!st.isFile()) return null; // a "directory" key: only a prefix of other keys
    const side = await this.readSidecar(key);
    return {
      key,
      size: st.size,
      lastModified: st.mtime,
      ...(side.contentType === undefined ? {} : { contentType: side.contentType }),
      metadata: side.metadata ?? {},
    };
  }

  private async readSidecar(key: string): Promise<Sidecar> {
    const path = await this.metaPath(key);
    if (path === null) return {};
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Sidecar;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return {};
      throw err;
    }
  }

  async readRange(key: string, start?: number, endInclusive?: number): Promise<Readable> {
    const range = checkRange(start, endInclusive);
    const path = await this.dataPath(key);
    if (path === null) throw new ObjectNotFoundError(key);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR'))
        throw new ObjectNotFoundError(key);
      if (isErrno(err, 'ELOOP')) throw new ObjectKeyError(key, 'is a symbolic link');
      throw err;
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new ObjectNotFoundError(key);
      checkRangeAgainstSize(key, range.start, range.end, st.size);
      const end = Math.min(range.end ?? st.size - 1, st.size - 1);
      if (end < range.start) {
        await handle.close(); // an empty object read whole: nothing to stream
        return Readable.from([]);
      }
      return handle.createReadStream({ start: range.start, end, autoClose: true });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async write(key: string, body: Readable, opts: WriteOptions = {}): Promise<ObjectStat> {
    validateObjectKey(key);
    validateMetadata(opts.metadata);
    const realRoot = await this.rootReady();
    const tmp = join(realRoot, TMP_DIR, randomUUID());
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        if (opts.size !== undefined && written > opts.size)
          done(new ObjectSizeMismatchError(key, opts.size, written));
        else done(null, chunk);
      },
    });
    try {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o640, flush: true });
      await pipeline(body, counter, out);
      if (opts.size !== undefined && written !== opts.size)
        throw new ObjectSizeMismatchError(key, opts.size, written);
      const side: Sidecar = {};
      if (opts.contentType !== undefined) side.contentType = opts.contentType;
      if (opts.metadata && Object.keys(opts.metadata).length > 0)
        side.metadata = { ...opts.metadata };
      const metaPath = await this.metaPath(key, true);
      if (metaPath === null) throw new Error(`cannot create metadata directory for ${key}`);
      if (Object.keys(side).length > 0) {
        const metaTmp = `${tmp}.json`;
        await writeFile(metaTmp, JSON.stringify(side), { mode: 0o640, flag: 'wx' });
        await rename(metaTmp, metaPath);
      } else {
        await rm(metaPath, { force: true });
      }
      const path = await this.dataPath(key, true);
      if (path === null) throw new Error(`cannot create directory for ${key}`);
      await rename(tmp, path); // rename replaces a symlink itself, never its target
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.json`, { force: true });
      if (['ENOTDIR', 'EISDIR', 'EEXIST', 'ENOTEMPTY'].some((c) => isErrno(err, c))) {
        throw new ObjectKeyError(key, 'collides with an existing object or prefix');
      }
      throw err;
    }
    const st = await this.stat(key);
    if (!st) throw new ObjectNotFoundError(key);
    return st;
  }

  async delete(key: string): Promise<void> {
    const path = await this.dataPath(key);
    if (path !== null) {
      const st = await lstat(path).catch(() => null);
      if (st?.isFile() || st?.isSymbolicLink()) await rm(path, { force: true });
    }
    const meta = await this.metaPath(key);
    if (meta !== null) await rm(meta, { force: true });
  }

  async ping(): Promise<void> {
    try {
      const realRoot = await this.rootReady();
      const st = await stat(realRoot);
      if (!st.isDirectory()) throw new Error(`${realRoot} is not a directory`);
      await access(join(realRoot, TMP_DIR), constants.R_OK | constants.W_OK);
    } catch (err) {
      this.realRoot = undefined;
      throw new StoreUnavailableError('fs', `${this.root}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectListing> {
    const realRoot = await this.rootReady();
    const walk = async function* (dir: string, rel: string): AsyncGenerator<ObjectListing> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
      for (const e of entries) {
        const key = rel === '' ? e.name : `${rel}/${e.name}`;
        if (rel === '' && e.name.startsWith('.')) continue; // our temp and metadata dirs
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`))
            yield* walk(join(dir, e.name), key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          const st = await stat(join(dir, e.name));
          yield { key, size: st.size, lastModified: st.mtime };
        }
      }
    };
    yield* walk(realRoot, '');
  }
}
