import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  removeDir,
  startCollector,
  tempDataDir,
  uploadHeaders,
  type RunningCollector,
} from './harness.js';
import {
  MemoryUrlStorage,
  UploadAborted,
  fixtureDumps,
  metadataFor,
  sha256OfResponse,
  tusUpload,
} from './tus-client.js';

const dumps = fixtureDumps();
const MiB = 1024 * 1024;

async function offsetOf(uploadUrl: string): Promise<number> {
  const r = await fetch(uploadUrl, {
    method: 'HEAD',
    headers: { ...uploadHeaders, 'Tus-Resumable': '1.0.0' },
  });
  expect(r.status).toBe(200);
  return Number(r.headers.get('upload-offset'));
}

async function recordsFor(
  c: RunningCollector,
  sha256: string,
): Promise<Array<{ id: string; size: number }>> {
  const r = await fetch(`${c.url}/api/v1/dumps?state=all&limit=500`, { headers: adminHeaders });
  const body = (await r.json()) as { items: Array<{ id: string; sha256: string; size: number }> };
  return body.items.filter((i) => i.sha256 === sha256);
}

async function downloadSha(c: RunningCollector, id: string): Promise<string> {
  const r = await fetch(`${c.url}/api/v1/dumps/${id}/file`, { headers: adminHeaders });
  expect(r.status).toBe(200);
  return (await sha256OfResponse(r)).sha256;
}

describe('resumable uploads', () => {
  const started: RunningCollector[] = [];
  afterEach(async () => {
    for (const c of started.splice(0)) {
      await c.stop();
      removeDir(c.dataDir);
    }
  });

  it('resumes after the client aborts mid-upload (findPreviousUploads)', async () => {
    const c = await startCollector();
    started.push(c);
    const d = dumps[0]!;
    const urlStorage = new MemoryUrlStorage();
    const aborted = await tusUpload(c.url, d.path, metadataFor(d), {
      chunkSize: 2 * MiB,
      abortAt: 6 * MiB,
      urlStorage,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(aborted).toBeInstanceOf(UploadAborted);
    const url = (aborted as UploadAborted).uploadUrl!;
    const partial = await offsetOf(url);
    expect(partial).toBeGreaterThanOrEqual(6 * MiB);
    expect(partial).toBeLessThan(d.size);
    expect(await recordsFor(c, d.sha256)).toHaveLength(0);

    let firstSent = -1;
    const done = await tusUpload(c.url, d.path, metadataFor(d), {
      chunkSize: 4 * MiB,
      urlStorage,
      resumeFromStorage: true,
      onProgress: (sent) => {
        if (firstSent < 0) firstSent = sent;
      },
    });
    expect(done.uploadUrl).toBe(url);
    // progress starts from the server's offset, not from zero
    expect(firstSent).toBeGreaterThanOrEqual(partial);
    const recs = await recordsFor(c, d.sha256);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.size).toBe(d.size);
    expect(await downloadSha(c, recs[0]!.id)).toBe(d.sha256);
  });

  it('resumes after the collector is SIGKILLed mid-upload and restarted', async () => {
    const dataDir = tempDataDir();
    const first = await startCollector({ dataDir });
    const d = dumps[dumps.length - 1]!;
    let uploadUrl: string | null = null;
    const failure = await tusUpload(first.url, d.path, metadataFor(d), {
      chunkSize: 1 * MiB,
      onUploadUrl: (u) => (uploadUrl = u),
      onProgress: (sent) => {
        if (sent >= 7 * MiB) first.proc.kill('SIGKILL');
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    await first.exited;
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(failure).toBeInstanceOf(Error);
    expect(uploadUrl).not.toBeNull();

    const second = await startCollector({ dataDir, port: first.port });
    started.push(second);
    const partial = await offsetOf(uploadUrl!);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(d.size);

    const done = await tusUpload(second.url, d.path, metadataFor(d), {
      uploadUrl: uploadUrl!,
      chunkSize: 4 * MiB,
    });
    expect(done.dumpState).toBe('received');
    const recs = await recordsFor(second, d.sha256);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.size).toBe(d.size);
    expect(await downloadSha(second, recs[0]!.id)).toBe(d.sha256);

    // Retrying the final PATCH (lost answer) cannot make a second record: it is answered from the
    // existing record (204) or, once the upload's bytes were dropped, with 404.
    const retry = await fetch(uploadUrl!, {
      method: 'PATCH',
      headers: {
        ...uploadHeaders,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(d.size),
        'Content-Type': 'application/offset+octet-stream',
      },
    });
    expect([204, 404]).toContain(retry.status);
    expect(await recordsFor(second, d.sha256)).toHaveLength(1);
    // and the tus copy of the bytes is dropped once the dump is recorded
    const leftover = join(dataDir, 'uploads', uploadUrl!.split('/').pop()!);
    const deadline = Date.now() + 10_000;
    while (existsSync(leftover) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(leftover)).toBe(false);
  });
});

describe('upload lifecycle', () => {
  it('creation-with-upload finishes a dump in the POST itself', async () => {
    const c = await startCollector();
    try {
      const d = dumps[1]!;
      const out = await tusUpload(c.url, d.path, metadataFor(d), {
        uploadDataDuringCreation: true,
      });
      expect(out.dumpState).toBe('received');
      const recs = await recordsFor(c, d.sha256);
      expect(recs).toHaveLength(1);
      expect(await downloadSha(c, recs[0]!.id)).toBe(d.sha256);
    } finally {
      await c.stop();
      removeDir(c.dataDir);
    }
  });

  it('terminates an unfinished upload on DELETE and sweeps expired partial uploads', async () => {
    const c = await startCollector({ env: { UPLOAD_EXPIRY: '2s', UPLOAD_CLEANUP_INTERVAL: '1s' } });
    try {
      const d = dumps[0]!;
      const meta = metadataFor(d);
      const partialUpload = async (): Promise<string> => {
        const e = await tusUpload(c.url, d.path, meta, {
          chunkSize: 1 * MiB,
          abortAt: 2 * MiB,
        }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(UploadAborted);
        return (e as UploadAborted).uploadUrl!;
      };
      const terminated = await partialUpload();
      const del = await fetch(terminated, {
        method: 'DELETE',
        headers: { ...uploadHeaders, 'Tus-Resumable': '1.0.0' },
      });
      expect(del.status).toBe(204);
      const gone = await fetch(terminated, {
        method: 'HEAD',
        headers: { ...uploadHeaders, 'Tus-Resumable': '1.0.0' },
      });
      expect([404, 410]).toContain(gone.status);

      const expiring = await partialUpload();
      const id = expiring.split('/').pop()!;
      expect(existsSync(join(c.dataDir, 'uploads', id))).toBe(true);
      const deadline = Date.now() + 20_000;
      while (existsSync(join(c.dataDir, 'uploads', id)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(existsSync(join(c.dataDir, 'uploads', id))).toBe(false);
      const head = await fetch(expiring, {
        method: 'HEAD',
        headers: { ...uploadHeaders, 'Tus-Resumable': '1.0.0' },
      });
      expect([404, 410]).toContain(head.status);
      expect(await recordsFor(c, d.sha256)).toHaveLength(0);
    } finally {
      await c.stop();
      removeDir(c.dataDir);
    }
  });
});
