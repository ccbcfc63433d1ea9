import { createReadStream } from 'node:fs';
import { link, mkdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import type { CollectorObjectStore } from '../storage/object-store.js';

const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Where tus keeps an upload's bytes until it is verified, and how they become a stored dump.
 * fs: the tus file store lives beside the object store on the same disk, so promoting is a hard
 * link (no copy of a 64 GiB file). s3: the tus S3 store writes object `<uploadId>` in the same
 * bucket; promoting streams it to the content-addressed key.
 */
export interface UploadArea {
  open(uploadId: string): Promise<Readable>;
  /** Bytes stored for the upload, or null when unknown (then `open` is read to count them). */
  size(uploadId: string): Promise<number | null>;
  promote(uploadId: string, key: string): Promise<void>;
  discard(uploadId: string): Promise<void>;
}

async function discardFromTus(datastore: DataStore, uploadId: string): Promise<void> {
  try {
    await datastore.remove(uploadId);
  } catch {
    // Already gone (a previous attempt removed it): nothing to do.
  }
}

/** The fs object store keeps key `a/b` at `<root>/a/b` (keys are validated by the store). */
interface RootedStore {
  root: string;
}

function rootOf(store: CollectorObjectStore): string | null {
  const root = (store as Partial<RootedStore>).root;
  return store.kind === 'fs' && typeof root === 'string' ? root : null;
}

export function fsUploadArea(
  directory: string,
  datastore: DataStore,
  store: CollectorObjectStore,
): UploadArea {
  const pathOf = (id: string) => join(directory, id);
  return {
    async open(id) {
      return createReadStream(pathOf(id), { highWaterMark: READ_CHUNK });
    },
    async size(id) {
      return (await stat(pathOf(id))).size;
    },
    async promote(id, key) {
      const root = rootOf(store);
      if (root !== null && /^dumps\/[0-9a-f]{64}$/.test(key)) {
        const target = join(root, ...key.split('/'));
        await mkdir(dirname(target), { recursive: true });
        try {
          await link(pathOf(id), target);
          return;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // Same sha256 already there (an earlier attempt or a concurrent twin): same bytes.
          if (code === 'EEXIST') return;
          if (code !== 'EXDEV' && code !== 'EPERM') throw err;
        }
      }
      await store.write(key, createReadStream(pathOf(id), { highWaterMark: READ_CHUNK }));
    },
    async discard(id) {
      await discardFromTus(datastore, id);
      await unlink(pathOf(id)).catch(() => undefined);
    },
  };
}

export function s3UploadArea(datastore: DataStore, store: CollectorObjectStore): UploadArea {
  return {
    open: (id) => store.readRange(id),
    async size(id) {
      return (await store.stat(id))?.size ?? null;
    },
    async promote(id, key) {
      await store.write(key, await store.readRange(id));
    },
    discard: (id) => discardFromTus(datastore, id),
  };
}
