#!/usr/bin/env node
// Agent benchmark (not a test). Prints figures and ratios:
//   1. `kdumpfleet check` wall time (median of runs, fixture tree and the live host); target < 150 ms
//   2. seekable zstd compression MB/s of the agent's spool writer against `zstd -T2 -3` on the
//      same file (ratio; target >= 0.9)
//   3. end-to-end `kdumpfleet upload` MB/s of a BENCH_AGENT_SIZE dump (default 2 GiB) into a
//      built collector (fs backend), with the agent's peak RSS; target < 150 MB
// The dump is tiled from the fixture dumps (an ELF vmcore decompressed, and a kdump-compressed
// one), cached in /var/tmp/kdumpfleet. Run: npm run bench:agent (builds first).
// Environment: BENCH_AGENT_SIZE (bytes), BENCH_AGENT_THREADS (worker threads for the parallel
// run, default the CPUs up to 4; end to end runs with it and with 1), BENCH_AGENT_CHUNK (tus
// chunk size), BENCH_AGENT_QUICK=1 (end to end only), BENCH_DIR.
import { spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, '..', 'shared', 'fixtures', 'vmcores');
const work = process.env.BENCH_DIR ?? '/var/tmp/kdumpfleet';
const SIZE = Number(process.env.BENCH_AGENT_SIZE ?? 2 * 1024 ** 3);
const cli = join(root, 'apps', 'agent', 'dist', 'cli.js');
const collectorMain = join(root, 'apps', 'collector', 'dist', 'main.js');
const UPLOAD_TOKEN = 'bench-upload-token-0123456789abcdef';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MB = 1e6;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeCheck(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'check', ...args, '--json'], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 1) throw new Error(`check failed: ${r.stderr}`);
  }
  return median(times);
}

async function ensureSource() {
  mkdirSync(work, { recursive: true });
  const path = join(work, `bench-agent-${SIZE}.dump`);
  if (existsSync(path) && statSync(path).size === SIZE) return path;
  const elf = join(work, 'bench-agent-k61-warn-panic.elf');
  if (!existsSync(elf)) {
    const z = spawnSync('zstd', [
      '-d',
      '-q',
      '-f',
      '-o',
      elf,
      join(fixtures, 'k61-warn-panic', 'vmcore.elf.zst'),
    ]);
    if (z.status !== 0) throw new Error('zstd -d failed (apt-get install zstd)');
  }
  const pieces = [readFileSync(elf), readFileSync(join(fixtures, 'k61-null-deref', 'vmcore'))];
  const out = createWriteStream(`${path}.tmp`);
  let written = 0;
  for (let i = 0; written < SIZE; i++) {
    const p = pieces[i % pieces.length];
    const n = Math.min(p.length, SIZE - written);
    if (!out.write(p.subarray(0, n))) await new Promise((r) => out.once('drain', r));
    written += n;
  }
  await new Promise((r) => out.end(r));
  spawnSync('mv', [`${path}.tmp`, path]);
  return path;
}

async function agentCompress(source, threads) {
  const { spoolCompressed } = await import(join(root, 'apps/agent/dist/upload/spool-dump.js'));
  const dir = mkdtempSync(join(work, 'bench-spool-'));
  const t = process.hrtime.bigint();
  const s = await spoolCompressed(source, {
    spoolDir: dir,
    name: 'x',
    frameSize: 4 << 20,
    level: 3,
    threads,
    minFreeBytes: 0,
  });
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  return { sec, out: s.size };
}

function zstdCli(source) {
  const out = join(work, 'bench-agent-cli.zst');
  const t = process.hrtime.bigint();
  const r = spawnSync('zstd', ['-T2', '-3', '-q', '-f', '-o', out, source]);
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  const size = statSync(out).size;
  rmSync(out, { force: true });
  return { sec, out: size };
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function endToEnd(source, threads) {
  const dataDir = mkdtempSync(join(work, 'bench-collector-'));
  const port = await freePort();
  const collector = spawn(process.execPath, [collectorMain], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      UPLOAD_TOKENS: UPLOAD_TOKEN,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      MIN_FREE_DATA: '1MiB',
      MIN_FREE_TMP: '1MiB',
      ANALYSIS_CONCURRENCY: '0',
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const home = mkdtempSync(join(work, 'bench-agent-'));
  const crash = join(home, 'crash', '202611230000');
  mkdirSync(crash, { recursive: true });
  spawnSync('ln', [source, join(crash, 'dump.202611230000')]); // hard link: no copy
  if (!existsSync(join(crash, 'dump.202611230000')))
    spawnSync('cp', [source, join(crash, 'dump.202611230000')]);
  const config = join(home, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify({
      collectorUrl: url,
      uploadToken: UPLOAD_TOKEN,
      node: 'bench',
      dumpDir: join(home, 'crash'),
      stateDir: join(home, 'state'),
      minFreeSpace: '1M',
      compressionThreads: threads,
      ...(process.env.BENCH_AGENT_CHUNK
        ? { chunkSize: Number(process.env.BENCH_AGENT_CHUNK) }
        : {}),
    }),
  );
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'upload', '--json'], {
    env: { PATH: process.env.PATH, KDUMPFLEET_CONFIG: config },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  collector.kill('SIGTERM');
  await new Promise((r) => collector.once('exit', r));
  rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`upload failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  const u = out.uploaded[0];
  return {
    sec,
    rssMb: (rssKb * 1024) / MB,
    compressMs: u.compressMs,
    uploadMs: u.uploadMs,
    uploaded: u.uploadedBytes,
  };
}

const fixtureRoot = join(root, 'libs', 'readiness', 'testdata', 'debian-ready', 'root');
const QUICK = process.env.BENCH_AGENT_QUICK === '1';
const checkFixture = QUICK ? 0 : timeCheck(['--root', fixtureRoot], 9);
const checkLive = QUICK ? 0 : timeCheck([], 5);
console.log(`check --root fixture: ${checkFixture.toFixed(0)} ms median (target < 150)`);
console.log(`check on /:           ${checkLive.toFixed(0)} ms median (target < 150)`);

const source = await ensureSource();
const threads = Number(process.env.BENCH_AGENT_THREADS ?? Math.min(4, availableParallelism()));
const cliZ = QUICK ? { sec: 1, out: 0 } : zstdCli(source);
const ours = QUICK ? { sec: 1, out: 0 } : await agentCompress(source, threads);
const one = QUICK ? { sec: 1, out: 0 } : await agentCompress(source, 1);
const mbps = (s) => SIZE / MB / s;
console.log(
  `\ncompression of ${(SIZE / 1024 ** 3).toFixed(2)} GiB (tiled fixture dumps), output to ${work}:`,
);
console.log(
  `  zstd -T2 -3 CLI:            ${mbps(cliZ.sec).toFixed(0)} MB/s, ${(cliZ.out / MB).toFixed(0)} MB`,
);
console.log(
  `  agent (${threads} worker threads): ${mbps(ours.sec).toFixed(0)} MB/s, ${(ours.out / MB).toFixed(0)} MB (seekable)`,
);
console.log(`  agent (1 thread, libs/szstd): ${mbps(one.sec).toFixed(0)} MB/s`);
console.log(`  ratio agent/CLI: ${(mbps(ours.sec) / mbps(cliZ.sec)).toFixed(2)} (target >= 0.9)`);

for (const n of [...new Set([threads, 1])]) {
  const e2e = await endToEnd(source, n);
  console.log(
    `\nend to end: kdumpfleet upload of ${(SIZE / 1024 ** 3).toFixed(2)} GiB → collector (fs, same host), compressionThreads=${n}:`,
  );
  console.log(
    `  ${mbps(e2e.sec).toFixed(0)} MB/s of dump (${e2e.sec.toFixed(1)} s: compress ${(e2e.compressMs / 1000).toFixed(1)} s, upload ${(e2e.uploadMs / 1000).toFixed(1)} s of ${(e2e.uploaded / MB).toFixed(0)} MB)`,
  );
  console.log(`  agent peak RSS: ${e2e.rssMb.toFixed(0)} MB (target < 150)`);
}
