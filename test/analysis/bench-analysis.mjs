#!/usr/bin/env node
// npm run bench:analysis (proposed root script: `node scripts/bootstrap.mjs build && node
// test/analysis/bench-analysis.mjs`): per fixture, time from upload finished to `triaged` and to
// the final analysis state, and bytes the triage step read from object storage against the
// object's size (from the dump's triage-io.json result). Each fixture is uploaded twice: as
// stored in the fixtures (a plain .zst must be inflated to a temp file) and as seekable zstd
// (what the agent uploads; read in place).
//
// Debuginfo comes from the environment (DEBUGINFOD_URLS / DEBUGINFO_DIRS); without it deep
// analysis ends at `no-debuginfo` and only triage is timed meaningfully.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as tus from 'tus-js-client';
import { DecompressStream } from 'zstd-napi';
import { createSeekableCompressor } from '../../libs/szstd/dist/index.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const main = join(repoRoot, 'apps', 'collector', 'dist', 'main.js');
const fixtures = join(repoRoot, '..', 'shared', 'fixtures', 'vmcores');
const ADMIN = 'bench-admin-token-0123456789abcdef';
const UPLOAD = 'bench-upload-token-0123456789abcdef';
const FINAL = ['analyzed', 'no-debuginfo', 'analysis-failed', 'triage-failed'];

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const work = mkdtempSync(join(tmpdir(), 'kdf-bench-analysis-'));
const proc = spawn(process.execPath, [main], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: join(work, 'data'),
    UPLOAD_TOKENS: UPLOAD,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'warn',
    ANALYSIS_POLL_INTERVAL: '50ms',
    MIN_FREE_DATA: '1MiB',
    MIN_FREE_TMP: '1MiB',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
const auth = { Authorization: `Bearer ${ADMIN}` };
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/health/live`)).ok) break;
  } catch {
    // not listening yet
  }
  if (i > 400) throw new Error('collector did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const sha256 = async (p) => {
  const h = createHash('sha256');
  for await (const c of createReadStream(p)) h.update(c);
  return h.digest('hex');
};
const upload = (path, name, sha, encoding) =>
  new Promise((resolve, reject) => {
    let dumpId = null;
    const u = new tus.Upload(createReadStream(path), {
      endpoint: `${url}/api/v1/uploads`,
      headers: { Authorization: `Bearer ${UPLOAD}` },
      metadata: { filename: name, node: 'bench', sha256: sha, encoding },
      chunkSize: Infinity,
      retryDelays: [],
      onAfterResponse: (_q, res) => (dumpId = res.getHeader('Dump-Id') ?? dumpId),
      onError: reject,
      onSuccess: () => resolve(dumpId),
    });
    u.start();
  });
const analysis = async (id) =>
  (await fetch(`${url}/api/v1/dumps/${id}/analysis`, { headers: auth })).json();

const rows = [];
try {
  for (const name of readdirSync(fixtures).sort()) {
    const truth = JSON.parse(readFileSync(join(fixtures, name, 'truth.json'), 'utf8'));
    const plain = join(fixtures, name, truth.file);
    const seekable = join(work, `${name}.szst`);
    // the agent compresses the dump itself: unwrap a .zst fixture before making it seekable
    const stages = truth.container === 'zstd' ? [new DecompressStream({ windowLogMax: 31 })] : [];
    await pipeline(
      createReadStream(plain),
      ...stages,
      createSeekableCompressor(),
      createWriteStream(seekable),
    );
    for (const [variant, path, encoding] of [
      ['as stored', plain, 'none'],
      ['seekable zstd', seekable, 'zstd'],
    ]) {
      const id = await upload(path, `${name}-${variant}`, await sha256(path), encoding);
      const t0 = performance.now();
      let triagedMs = null;
      let a;
      for (;;) {
        a = await analysis(id);
        if (triagedMs === null && a.triage?.finishedAt) triagedMs = performance.now() - t0;
        if (FINAL.includes(a.state)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const io = await (
        await fetch(`${url}/api/v1/dumps/${id}/results/triage-io.json`, { headers: auth })
      ).json();
      rows.push({
        fixture: name,
        upload: variant,
        size: statSync(path).size,
        toTriagedMs: Math.round(triagedMs),
        toFinalMs: Math.round(performance.now() - t0),
        final: a.state + (a.tool ? `/${a.tool}` : ''),
        triageMs: Math.round(io.triageMs),
        storeBytesRead: io.storeBytesRead,
        readShare: `${((100 * io.storeBytesRead) / io.objectSize).toFixed(2)} %`,
      });
    }
  }
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}
console.table(rows);
