import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireUploadLock, UploadBusyError } from './upload-lock.js';

describe('acquireUploadLock', () => {
  it('refuses while a live process holds it, takes over a dead one, releases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdf-lock-'));
    // pid 1 is alive on every Linux system
    writeFileSync(join(dir, 'upload.lock'), '1');
    expect(() => acquireUploadLock(dir)).toThrow(UploadBusyError);
    expect(() => acquireUploadLock(dir)).toThrow(/another kdumpfleet upload \(pid 1\)/);
    // a pid that cannot exist: the lock of a SIGKILLed agent
    writeFileSync(join(dir, 'upload.lock'), '2147483646');
    const release = acquireUploadLock(dir);
    expect(existsSync(join(dir, 'upload.lock'))).toBe(true);
    release();
    expect(existsSync(join(dir, 'upload.lock'))).toBe(false);
  });
});
