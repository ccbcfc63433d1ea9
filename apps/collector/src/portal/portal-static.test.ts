import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { portalStatic } from './portal-static.js';

const root = mkdtempSync(join(tmpdir(), 'kdf-portal-static-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>portal</title>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'kdf-outside-secret.txt'), 'secret');

interface Answer {
  served: boolean;
  headers: Record<string, string>;
  body: string;
}

async function get(path: string, method = 'GET'): Promise<Answer> {
  const headers: Record<string, string> = {};
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const res = Object.assign(sink, {
    setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v),
  }) as unknown as Response;
  let served = true;
  const done = new Promise<void>((resolve) => {
    sink.on('finish', () => resolve());
    const next: NextFunction = () => {
      served = false;
      resolve();
    };
    portalStatic(root)({ method, path } as Request, res, next);
  });
  await done;
  return { served, headers, body: Buffer.concat(chunks).toString() };
}

describe('portal static files', () => {
  it('serves index.html at / and for app routes, with CSP and no caching', async () => {
    for (const p of ['/', '/crashes', '/dumps/0b7c0a8e-0000-4000-8000-000000000000']) {
      const a = await get(p);
      expect(a.served).toBe(true);
      expect(a.body).toContain('<title>portal</title>');
      expect(a.headers['content-type']).toMatch(/^text\/html/);
      expect(a.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(a.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets cached for good, HEAD without a body', async () => {
    const a = await get('/assets/index-abc.js');
    expect(a.body).toBe('console.log(1)');
    expect(a.headers['content-type']).toMatch(/^text\/javascript/);
    expect(a.headers['cache-control']).toMatch(/immutable/);
    const h = await get('/assets/index-abc.js', 'HEAD');
    expect(h.body).toBe('');
    expect(h.headers['content-length']).toBe('14');
  });

  it('never answers for the API, health or metrics, nor for other methods', async () => {
    for (const p of ['/api/v1/dumps', '/api', '/health/live', '/metrics'])
      expect((await get(p)).served).toBe(false);
    expect((await get('/', 'POST')).served).toBe(false);
  });

  it('does not leave its directory, and a missing asset is a 404 (not index.html)', async () => {
    const out = await get('/../kdf-outside-secret.txt');
    expect(out.body).not.toContain('secret');
    const enc = await get('/%2e%2e/kdf-outside-secret.txt');
    expect(enc.body).not.toContain('secret');
    expect((await get('/assets/missing.js')).served).toBe(false);
    expect((await get('/%E0%A4%A')).served).toBe(false);
  });
});
