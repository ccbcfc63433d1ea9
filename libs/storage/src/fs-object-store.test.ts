import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectKeyError, StoreUnavailableError } from './errors.js';
import { FsObjectStore } from './fs-object-store.js';
import { describeObjectStoreContract } from './object-store.contract.js';
import type { ObjectStore } from './object-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kdf-fsstore-'));
const store = new FsObjectStore(join(dir, 'objects'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeObjectStoreContract('fs', () => store, {
  maxRssGrowth: 40 * 1024 * 1024,
  presign: false, // the fs backend has no URLs of its own: the collector streams the file
  report: (line) => console.log(line),
});

describe('FsObjectStore specifics', () => {
  it('never follows a symbolic link out of the root', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret'), 'secret');
    await store.ping();
    symlinkSync(outside, join(store.root, 'linkdir'));
    symlinkSync(join(outside, 'secret'), join(store.root, 'linkfile'));
    await expect(store.readRange('linkdir/secret')).rejects.toBeInstanceOf(ObjectKeyError);
    await expect(store.stat('linkdir/secret')).rejects.toBeInstanceOf(ObjectKeyError);
    await expect(
      store.write('linkdir/new', Readable.from([Buffer.from('x')])),
    ).rejects.toBeInstanceOf(ObjectKeyError);
    await expect(store.readRange('linkfile')).rejects.toBeInstanceOf(ObjectKeyError);
    await expect(store.stat('linkfile')).rejects.toBeInstanceOf(ObjectKeyError);
    expect(readdirSync(outside)).toEqual(['secret']);
  });

  it('leaves no temp files behind, after success or failure', async () => {
    await store.write('tmpcheck/ok', Readable.from([Buffer.from('ok')]));
    await store
      .write('tmpcheck/bad', Readable.from([Buffer.from('ok')]), { size: 1 })
      .catch(() => undefined);
    expect(readdirSync(join(store.root, '.tmp'))).toEqual([]);
  });

  it('has no presigned URLs', () => {
    expect((store as ObjectStore).presignGet).toBeUndefined();
  });

  it('reports a root it cannot use through ping', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    await expect(new FsObjectStore(join(file, 'sub')).ping()).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('refuses a key that collides with a prefix of other keys', async () => {
    await store.write('prefix/child', Readable.from([Buffer.from('x')]));
    await expect(store.write('prefix', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(
      ObjectKeyError,
    );
    expect(await store.stat('prefix')).toBeNull();
  });
});
