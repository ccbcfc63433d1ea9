import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  removeDir,
  startCollector,
  tempDataDir,
  uploadHeaders,
  type RunningCollector,
} from './harness.js';
import { fixtureDumps, metadataFor, tusUpload } from './tus-client.js';

const TUS = { 'Tus-Resumable': '1.0.0' };

function encodeMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

const goodMeta = {
  filename: 'vmcore',
  node: 'node-x',
  sha256: 'ab'.repeat(32),
  encoding: 'none',
};

function create(
  c: RunningCollector,
  headers: Record<string, string>,
  length = 10,
): Promise<Response> {
  return fetch(`${c.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': String(length), ...headers },
  });
}

/** Every file under DATA_DIR with its size and mtime: to prove a request touched nothing. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/collector\.sqlite/.test(e.name)) {
        const s = statSync(p);
        out.push(`${p} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

describe('collector rejects bad input', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector();
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
  });

  it('401 without a token or with a wrong one, with WWW-Authenticate', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer not-the-right-token-at-all' },
      { Authorization: 'Basic eDp5' },
    ];
    for (const headers of variants) {
      const r = await create(c, { ...headers, 'Upload-Metadata': encodeMetadata(goodMeta) });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const list = await fetch(`${c.url}/api/v1/dumps`);
    expect(list.status).toBe(401);
  });

  it('admin endpoints refuse an upload token (403)', async () => {
    const r = await fetch(`${c.url}/api/v1/dumps`, { headers: uploadHeaders });
    expect(r.status).toBe(403);
    const del = await fetch(`${c.url}/api/v1/dumps/00000000-0000-4000-8000-000000000000`, {
      method: 'DELETE',
      headers: uploadHeaders,
    });
    expect(del.status).toBe(403);
  });

  it('400 naming the metadata field that is missing or invalid', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...goodMeta, sha256: undefined as unknown as string }, 'sha256'],
      [{ ...goodMeta, sha256: 'xyz' }, 'sha256'],
      [{ ...goodMeta, node: undefined as unknown as string }, 'node'],
      [{ ...goodMeta, node: 'bad node/name' }, 'node'],
      [{ ...goodMeta, encoding: 'gzip' }, 'encoding'],
      [{ ...goodMeta, filename: undefined as unknown as string }, 'filename'],
      [{ ...goodMeta, captured_at: 'yesterday' }, 'captured_at'],
    ];
    for (const [meta, field] of cases) {
      const clean = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
      const r = await create(c, { ...uploadHeaders, 'Upload-Metadata': encodeMetadata(clean) });
      expect(r.status, field).toBe(400);
      expect(await r.text()).toContain(`'${field}'`);
    }
    const none = await create(c, uploadHeaders);
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('filename');
  });

  it('413 when Upload-Length exceeds MAX_DUMP_SIZE', async () => {
    const r = await create(
      c,
      { ...uploadHeaders, 'Upload-Metadata': encodeMetadata(goodMeta) },
      300 * 1024 ** 3,
    );
    expect(r.status).toBe(413);
  });

  it('409 for a PATCH at the wrong Upload-Offset; 404 for HEAD on an unknown upload', async () => {
    const r = await create(
      c,
      { ...uploadHeaders, 'Upload-Metadata': encodeMetadata(goodMeta) },
      100,
    );
    expect(r.status).toBe(201);
    const location = new URL(r.headers.get('location')!, `${c.url}/api/v1/uploads`).href;
    const patch = await fetch(location, {
      method: 'PATCH',
      headers: {
        ...TUS,
        ...uploadHeaders,
        'Upload-Offset': '50',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: Buffer.alloc(10),
    });
    expect(patch.status).toBe(409);
    const head = await fetch(location, { method: 'HEAD', headers: { ...TUS, ...uploadHeaders } });
    expect(head.headers.get('upload-offset')).toBe('0');
    const unknown = await fetch(`${c.url}/api/v1/uploads/${'0'.repeat(32)}`, {
      method: 'HEAD',
      headers: { ...TUS, ...uploadHeaders },
    });
    expect(unknown.status).toBe(404);
  });

  it('ids with ../ or NUL are refused and touch nothing under DATA_DIR', async () => {
    const before = snapshot(c.dataDir);
    for (const id of [
      '..%2F..%2Ftokens.json',
      '..%2Fcollector.sqlite',
      '%00',
      'abc%00def',
      '..',
      'not-a-uuid',
    ]) {
      const r = await fetch(`${c.url}/api/v1/dumps/${id}`, { headers: adminHeaders });
      expect([400, 404], id).toContain(r.status);
      const f = await fetch(`${c.url}/api/v1/dumps/${id}/file`, { headers: adminHeaders });
      expect([400, 404], id).toContain(f.status);
      const d = await fetch(`${c.url}/api/v1/dumps/${id}`, {
        method: 'DELETE',
        headers: adminHeaders,
      });
      expect([400, 404], id).toContain(d.status);
      for (const method of ['HEAD', 'PATCH', 'DELETE']) {
        const t = await fetch(`${c.url}/api/v1/uploads/${id}`, {
          method,
          headers: {
            ...TUS,
            ...uploadHeaders,
            'Upload-Offset': '0',
            'Content-Type': 'application/offset+octet-stream',
          },
          ...(method === 'PATCH' ? { body: Buffer.from('overwrite?') } : {}),
        });
        expect([400, 404], `${method} ${id}`).toContain(t.status);
      }
    }
    expect(snapshot(c.dataDir)).toBe(before);
  });

  it('a declared sha256 that does not match → corrupt, not listed, not served', async () => {
    const d = fixtureDumps()[0]!;
    const wrong = 'f'.repeat(64);
    const err = await tusUpload(
      c.url,
      d.path,
      metadataFor(d, { sha256: wrong, node: 'liar' }),
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('sha256 mismatch');
    const good = (await (
      await fetch(`${c.url}/api/v1/dumps?node=liar`, { headers: adminHeaders })
    ).json()) as {
      items: unknown[];
    };
    expect(good.items).toHaveLength(0);
    const all = (await (
      await fetch(`${c.url}/api/v1/dumps?node=liar&state=corrupt`, { headers: adminHeaders })
    ).json()) as {
      items: Array<{ id: string; state: string; reason: string; sha256: string; storageKey: null }>;
    };
    expect(all.items).toHaveLength(1);
    const rec = all.items[0]!;
    expect(rec).toMatchObject({ state: 'corrupt', sha256: d.sha256, storageKey: null });
    expect(rec.reason).toContain(wrong);
    const file = await fetch(`${c.url}/api/v1/dumps/${rec.id}/file`, { headers: adminHeaders });
    expect(file.status).toBe(410);
    expect(await file.text()).toContain('corrupt');
  });

  it('bad configuration stops the start with one line and exit 2', async () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['MAX_DUMP_SIZE', 'lots'],
      ['UPLOAD_EXPIRY', 'soon'],
      ['STORAGE', 'tape'],
    ] as const) {
      const dataDir = tempDataDir();
      const bad = await startCollector({ dataDir, env: { [name]: value }, waitLive: false });
      expect(await bad.exited).toBe(2);
      const lines = bad.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      removeDir(dataDir);
    }
    const s3 = await startCollector({ env: { STORAGE: 's3' }, waitLive: false });
    expect(await s3.exited).toBe(2);
    expect(s3.output()).toContain('S3_ENDPOINT');
    removeDir(s3.dataDir);
  });
});
