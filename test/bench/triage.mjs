#!/usr/bin/env node
// npm run bench:triage: how fast and how frugal `kdumpfleet triage` is on every fixture dump,
// against `makedumpfile --dump-dmesg` on the same dump (which only extracts the log).
//
// Per fixture: wall time (median of RUNS) of the whole `kdumpfleet triage --json` process and of
// the in-process triage call, bytes read, % of the dump read, and makedumpfile's time. Targets:
// process < 1 s, in-process < 200 ms, < 5 % of a kdump-compressed file read. Then the same dump
// padded to 16 GiB (sparse) to show the time does not follow the file size.
//
// makedumpfile reads neither .zst nor flattened files: those are decompressed / rebuilt with
// `makedumpfile -R` once into /var/tmp/kdumpfleet/bench (kept as a cache). The in-process
// figure for a .zst fixture is on that decompressed copy (the CLI decompresses to a temp file).
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  truncateSync,
  copyFileSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DecompressStream } from 'zstd-napi';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');
const fixtures = join(repoRoot, '..', 'shared', 'fixtures', 'vmcores');
const cache = process.env.KDF_BENCH_CACHE ?? '/var/tmp/kdumpfleet/bench';
const RUNS = Number(process.env.KDF_BENCH_RUNS ?? 5);
const TARGET = { processMs: 1000, inProcessMs: 200, readShare: 0.05 };

if (!existsSync(cli)) {
  console.error(`bench:triage: ${cli} missing; run npm run build first`);
  process.exit(2);
}
const { triageVmcore } = await import(join(repoRoot, 'libs', 'triage', 'dist', 'index.js'));
const { FileSource } = await import(join(repoRoot, 'libs', 'vmcore', 'dist', 'index.js'));
const makedumpfile = spawnSync('makedumpfile', ['-v'], { encoding: 'utf8' }).status !== null;
if (!makedumpfile)
  console.warn(
    'bench:triage: makedumpfile not found (apt-get install makedumpfile): its column stays empty',
  );
mkdirSync(cache, { recursive: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeProcess(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.split('\n')[0]}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** A file makedumpfile can read: the dump itself, its decompressed or its rebuilt copy. */
async function plainCopy(name, dump, container) {
  if (container === 'none') return dump;
  const out = join(cache, `${name}.plain`);
  if (existsSync(out)) return out;
  const tmp = `${out}.part`;
  if (container === 'zstd') {
    await pipeline(
      createReadStream(dump),
      new DecompressStream({ windowLogMax: 31 }),
      createWriteStream(tmp),
    );
  } else if (container === 'flattened') {
    if (!makedumpfile) return null;
    const r = spawnSync('sh', ['-c', 'makedumpfile -R "$1" < "$2"', 'sh', tmp, dump], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`makedumpfile -R failed: ${r.stderr}`);
  }
  spawnSync('mv', [tmp, out]);
  return out;
}

async function inProcess(file, hint) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const src = await FileSource.open(file);
    const t0 = performance.now();
    const r = await triageVmcore(src, hint ? { containerHint: hint } : {});
    const ms = performance.now() - t0;
    if (i > 0) times.push(ms); // the first run pays for module JIT and page cache warm-up
    bytes = r.timings.bytesRead;
  }
  return { ms: median(times), bytes };
}

// CPU time (user+sys) of the child as /usr/bin/time reports it: on a shared, loaded machine the
// wall time mostly measures the queue for a core; CPU time is what the triage costs.
const gnuTime = existsSync('/usr/bin/time');

function wholeProcess(file) {
  const times = [];
  const cpu = [];
  let json;
  for (let i = 0; i < RUNS; i++) {
    const args = [cli, 'triage', file, '--json'];
    const r = gnuTime
      ? timeProcess('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args])
      : timeProcess(process.execPath, args);
    times.push(r.ms);
    if (gnuTime) {
      const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
      cpu.push((u + s) * 1000);
    }
    json = JSON.parse(r.stdout);
  }
  return { ms: median(times), cpuMs: cpu.length ? median(cpu) : null, json };
}

function makedumpfileDmesg(file) {
  if (!makedumpfile || !file) return null;
  const out = join(cache, 'dmesg.out');
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    rmSync(out, { force: true });
    times.push(timeProcess('makedumpfile', ['--dump-dmesg', file, out]).ms);
  }
  return median(times);
}

const fmtMs = (ms) => (ms === null ? '-' : ms.toFixed(1));
const rows = [];
for (const name of readdirSync(fixtures).sort()) {
  const truth = JSON.parse(readFileSync(join(fixtures, name, 'truth.json'), 'utf8'));
  const dump = join(fixtures, name, truth.file);
  const size = statSync(dump).size;
  const plain = await plainCopy(name, dump, truth.container);
  const proc = wholeProcess(dump);
  const inproc = await inProcess(
    truth.container === 'zstd' ? plain : dump,
    truth.container === 'zstd' ? 'zstd' : undefined,
  );
  const mdf = makedumpfileDmesg(plain);
  const readShare = inproc.bytes / (truth.container === 'zstd' ? statSync(plain).size : size);
  const flags = [];
  if (proc.ms > TARGET.processMs) flags.push('PROCESS>1s');
  if (inproc.ms > TARGET.inProcessMs) flags.push('INPROC>200ms');
  if (truth.format === 'kdump-compressed' && readShare > TARGET.readShare) flags.push('READ>5%');
  rows.push({
    fixture: name,
    dump: `${truth.format}/${truth.container}/${truth.compression}`,
    'size MB': (size / 1e6).toFixed(1),
    'process ms': fmtMs(proc.ms),
    'process cpu ms': fmtMs(proc.cpuMs),
    'in-proc ms': fmtMs(inproc.ms),
    'bytes read': inproc.bytes,
    '% read': (readShare * 100).toFixed(2),
    'makedumpfile ms': fmtMs(mdf),
    'process/mdf': mdf ? (proc.ms / mdf).toFixed(1) : '-',
    'in-proc/mdf': mdf ? (inproc.ms / mdf).toFixed(2) : '-',
    flags: flags.join(' ') || 'ok',
  });
}
console.log(
  `kdumpfleet triage vs makedumpfile --dump-dmesg (median of ${RUNS} runs; .zst: process includes decompression; ` +
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs)`,
);
console.table(rows);

// Size independence: the same kdump-compressed dump with a sparse tail up to 16 GiB (no disk
// used). Triage reads header, bitmaps, descriptors and log pages only, so its time must not move.
const base = readdirSync(fixtures)
  .map((n) => ({ n, t: JSON.parse(readFileSync(join(fixtures, n, 'truth.json'), 'utf8')) }))
  .find((x) => x.t.container === 'none');
if (base) {
  const src = join(fixtures, base.n, base.t.file);
  const scaled = [];
  for (const gib of [0, 1, 16]) {
    const file = gib === 0 ? src : join(cache, `${base.n}-padded-${gib}g`);
    if (gib > 0) {
      copyFileSync(src, file);
      truncateSync(file, gib * 1024 ** 3);
    }
    const r = await inProcess(file);
    const p = wholeProcess(file);
    scaled.push({
      file: gib === 0 ? `${base.n} (as is)` : `${base.n} padded`,
      'size MB': (statSync(file).size / 1e6).toFixed(0),
      'in-proc ms': fmtMs(r.ms),
      'process ms': fmtMs(p.ms),
      'bytes read': r.bytes,
    });
    if (gib > 0) rmSync(file, { force: true });
  }
  console.log('time vs dump size (sparse padding after the dump):');
  console.table(scaled);
}
const over = rows.filter((r) => r.flags !== 'ok');
console.log(
  over.length === 0
    ? 'all targets met'
    : `over target: ${over.map((r) => `${r.fixture} (${r.flags})`).join(', ')}`,
);
