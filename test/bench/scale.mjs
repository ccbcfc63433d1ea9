#!/usr/bin/env node
// Scale-out benchmark (not a test): `npm run bench:scale`, which runs
// `node --import tsx test/bench/scale.mjs` so this plain script can import the TypeScript
// harnesses of test/scale in place. On the real deployment of
// test/scale/deployment.ts (PostgreSQL, Ceph RGW, two built collector instances, nginx):
//   - ingest MB/s (BIG_UPLOADS uploads of BIG_SIZE at once) and uploads/s (SMALL_UPLOADS of
//     SMALL_SIZE, SMALL_PARALLEL at once) through nginx with 1 upstream instance and with 2,
//     rounds interleaved, best of each kept (the machine is shared);
//   - triage job throughput with 1 and with 2 `collector worker` processes over real fixture
//     dumps (distinct variants, see test/scale/dump-variants.ts);
// and where the CPU went (collectors, nginx, radosgw + OSD, PostgreSQL, the uploading client),
// which explains the ratio: all parts share this host's cores.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import * as tus from 'tus-js-client';

const { startDeployment } = await import('../scale/deployment.ts');
const { startNginx } = await import('../scale/nginx.ts');
const { makeDumpVariants } = await import('../scale/dump-variants.ts');
const { cpuByPart, cpuDelta, machineBusySeconds, pidListeningOn } =
  await import('../scale/process-cpu.ts');
const { UPLOAD_TOKEN } = await import('../collector/harness.ts');

const MiB = 1024 * 1024;
const MB = 1e6;
const env = (name, dflt) => Number(process.env[name] ?? dflt);
const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 2));
const BIG_UPLOADS = env('BENCH_BIG_UPLOADS', 8);
const BIG_SIZE = env('BENCH_BIG_SIZE', 32 * MiB);
const SMALL_UPLOADS = env('BENCH_SMALL_UPLOADS', 64);
const SMALL_SIZE = env('BENCH_SMALL_SIZE', MiB);
const SMALL_PARALLEL = env('BENCH_SMALL_PARALLEL', 16);
const JOB_DUMPS = env('BENCH_JOB_DUMPS', 16);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One tus upload of a Buffer the way the agent sends (16 MiB PATCHes). */
function upload(url, buf, sha256, name) {
  return new Promise((resolve, reject) => {
    let dumpId = null;
    new tus.Upload(buf, {
      endpoint: `${url}/api/v1/uploads`,
      headers: { Authorization: `Bearer ${UPLOAD_TOKEN}` },
      metadata: { filename: name, node: 'bench', sha256, encoding: 'none' },
      chunkSize: 16 * MiB,
      retryDelays: [],
      storeFingerprintForResuming: false,
      onAfterResponse: (_req, res) => {
        dumpId = res.getHeader('Dump-Id') ?? dumpId;
      },
      onError: reject,
      onSuccess: () => (dumpId ? resolve(dumpId) : reject(new Error(`${name}: no Dump-Id`))),
    }).start();
  });
}

async function inParallel(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** `count` buffers of `size` random-looking bytes; `restamp(tag)` makes them all new content. */
function payloads(count, size) {
  const block = randomBytes(Math.min(size, 16 * MiB));
  const bufs = Array.from({ length: count }, () => {
    const b = Buffer.allocUnsafe(size);
    for (let off = 0; off < size; off += block.length) block.copy(b, off, 0, size - off);
    return b;
  });
  let shas = [];
  return {
    bufs,
    shas: () => shas,
    restamp(tag) {
      bufs.forEach((b, i) => b.write(`${tag}:${i}:`.padEnd(32, '.'), 0, 'latin1'));
      shas = bufs.map((b) => createHash('sha256').update(b).digest('hex'));
    },
  };
}

/** Pids of the Ceph daemons behind the S3 endpoint (their pid files). */
function cephPids(dir) {
  try {
    return readdirSync(`${dir}/run`)
      .filter((n) => n.endsWith('.pid'))
      .map((n) => Number(readFileSync(`${dir}/run/${n}`, 'utf8').trim()));
  } catch {
    return [];
  }
}

/** Root pids of each part of the deployment (their descendants are counted with them). */
const parts = (d, lb) => ({
  collectors: d.collectors.map((c) => c.running.proc.pid),
  nginx: [lb.proc.pid],
  's3 (radosgw+osd+mon)': [pidListeningOn(d.s3.port), ...cephPids(d.s3.dir)].filter(Boolean),
  postgresql: [pidListeningOn(Number(new URL(d.databaseUrl).port))].filter(Boolean),
  workers: d.workers.map((w) => w.pid),
});

/** Runs `work`, returns its wall seconds and CPU seconds by part (plus this client). */
async function measured(d, lb, work) {
  const roots = parts(d, lb);
  const c0 = cpuByPart(roots);
  const m0 = machineBusySeconds();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(c0, cpuByPart(roots));
  const u = process.cpuUsage(u0);
  cpu['bench client (tus)'] = (u.user + u.system) / 1e6;
  return { seconds, cpu, machine: machineBusySeconds() - m0 };
}

const d = await startDeployment({
  collectors: 2,
  workers: 0,
  // every byte is written twice (tus parts, then dumps/<sha256>): more than memstore's 4 GB
  s3Store: 'bluestore',
  env: { ANALYSIS_DEEP: 'off', ANALYSIS_POLL_INTERVAL: '250ms' },
});
if (!d) {
  console.error('bench:scale cannot run here (see the warning above)');
  process.exit(2);
}
const [c0, c1] = d.collectors;
const lbs = {
  1: await startNginx({ upstreams: [c0.address] }),
  2: await startNginx({ upstreams: [c0.address, c1.address] }),
  '2a': await startNginx({ upstreams: [c0.address, c1.address], uploadAffinity: true }),
};
const CONFIGS = [
  ['1', '1 instance'],
  ['2', '2 instances, round robin'],
  ['2a', '2 instances, upload affinity'],
];
// Ctrl-C or a kill: stop what we started (the harnesses' own exit handlers cover the rest).
let stopping = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    stopping ??= (async () => {
      for (const lb of Object.values(lbs)) await lb?.stop();
      await d.stop();
      process.exit(130);
    })();
  });
}
const cpuTable = {};
const results = Object.fromEntries(CONFIGS.map(([k]) => [k, { big: [], small: [] }]));
let jobs = {};
try {
  // ---- triage job throughput: 1 worker, then 2 (run first: the ingest rounds below queue
  // jobs for random bytes that nobody is meant to run)
  // the flattened fixture is left out: from S3 its triage makes ~700 ranged GETs (~31 s here)
  const variants = await makeDumpVariants(2 * JOB_DUMPS, { except: ['k61-panic-flattened'] });
  try {
    for (const n of [1, 2]) {
      const set = variants.variants.slice((n - 1) * JOB_DUMPS, n * JOB_DUMPS);
      const ids = [];
      await inParallel(set, 8, async (v) =>
        ids.push(await upload(lbs[2].url, readFileSync(v.path), v.sha256, v.name)),
      );
      const started = await Promise.all(Array.from({ length: n }, () => d.startWorker()));
      const { Client } = (await import('pg')).default;
      const db = new Client({ connectionString: d.databaseUrl });
      await db.connect();
      let row;
      for (;;) {
        row = (
          await db.query(
            `select count(*) filter (where state in ('triaged','triage-failed')) as done,
                    min(triage_started_at) as first, max(triage_finished_at) as last,
                    sum(triage_ms) as busy
               from dump_analysis where dump_id = any($1)`,
            [ids],
          )
        ).rows[0];
        if (Number(row.done) === ids.length) break;
        await sleep(200);
      }
      await db.end();
      const window = (Date.parse(row.last) - Date.parse(row.first)) / 1000;
      jobs[n] = { jobs: ids.length, seconds: window, perSecond: ids.length / window };
      console.log(
        `jobs: ${n} worker(s): ${ids.length} triage jobs in ${window.toFixed(2)} s ` +
          `(${(ids.length / window).toFixed(2)} jobs/s; summed job time ${(Number(row.busy) / 1000).toFixed(1)} s)`,
      );
      for (const w of started) await w.stop();
      d.workers.splice(0);
    }
  } finally {
    variants.remove();
  }

  // ---- ingest: rounds interleaved over the nginx configurations
  const big = payloads(BIG_UPLOADS, BIG_SIZE);
  const small = payloads(SMALL_UPLOADS, SMALL_SIZE);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [n, label] of CONFIGS) {
      const lb = lbs[n];
      big.restamp(`big-${round}-${n}`);
      const b = await measured(d, lb, () =>
        Promise.all(big.bufs.map((buf, i) => upload(lb.url, buf, big.shas()[i], `big-${i}`))),
      );
      small.restamp(`small-${round}-${n}`);
      const s = await measured(d, lb, () =>
        inParallel(
          small.bufs.map((buf, i) => [buf, small.shas()[i], i]),
          SMALL_PARALLEL,
          ([buf, sha, i]) => upload(lb.url, buf, sha, `small-${i}`),
        ),
      );
      const mbps = (BIG_UPLOADS * BIG_SIZE) / MB / b.seconds;
      const ups = SMALL_UPLOADS / s.seconds;
      results[n].big.push({ mbps, ...b });
      results[n].small.push({ ups, ...s });
      console.log(
        `round ${round}, ${label}: ${mbps.toFixed(1)} MB/s ` +
          `(${BIG_UPLOADS} × ${BIG_SIZE / MiB} MiB in ${b.seconds.toFixed(2)} s), ` +
          `${ups.toFixed(1)} uploads/s (${SMALL_UPLOADS} × ${SMALL_SIZE / MiB} MiB, ` +
          `${SMALL_PARALLEL} at once, ${s.seconds.toFixed(2)} s)`,
      );
    }
  }
  const best = (xs, k) => xs.reduce((a, x) => (x[k] > a[k] ? x : a));
  const bests = Object.fromEntries(
    CONFIGS.map(([k]) => [
      k,
      { big: best(results[k].big, 'mbps'), small: best(results[k].small, 'ups') },
    ]),
  );
  for (const [k, label] of CONFIGS) {
    cpuTable[`big, ${label}`] = bests[k].big;
    cpuTable[`small, ${label}`] = bests[k].small;
  }
  const col = (v, digits, width) => v.toFixed(digits).padStart(width);

  console.log('');
  console.log(
    `host: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), all parts on this host; ` +
      `best of ${ROUNDS} rounds`,
  );
  const bigHead = `MB/s (${BIG_UPLOADS} × ${BIG_SIZE / MiB} MiB at once)`;
  const smallHead = `uploads/s (${SMALL_UPLOADS} × ${SMALL_SIZE / MiB} MiB, ${SMALL_PARALLEL} at once)`;
  console.log(
    `${'ingest through nginx'.padEnd(32)}${bigHead.padStart(30)}${'ratio'.padStart(7)}` +
      `${smallHead.padStart(38)}${'ratio'.padStart(7)}`,
  );
  for (const [k, label] of CONFIGS) {
    const b = bests[k].big.mbps;
    const sm = bests[k].small.ups;
    console.log(
      `${label.padEnd(32)}${col(b, 1, 30)}${col(b / bests['1'].big.mbps, 2, 7)}` +
        `${col(sm, 1, 38)}${col(sm / bests['1'].small.ups, 2, 7)}`,
    );
  }
  console.log(
    `${'analysis'.padEnd(32)}${`triage jobs/s (${JOB_DUMPS} real dumps)`.padStart(30)}${'ratio'.padStart(7)}`,
  );
  for (const n of [1, 2]) {
    console.log(
      `${`${n} worker${n > 1 ? 's' : ''}`.padEnd(32)}${col(jobs[n].perSecond, 2, 30)}` +
        `${col(jobs[n].perSecond / jobs[1].perSecond, 2, 7)}`,
    );
  }
  console.log('');
  console.log(
    `CPU seconds by part during the best runs (of ${availableParallelism()} × wall seconds available; ` +
      `"machine busy" counts every process on the host, other jobs included):`,
  );
  for (const [label, r] of Object.entries(cpuTable)) {
    const avail = availableParallelism() * r.seconds;
    const parts = Object.entries(r.cpu)
      .filter(([, v]) => v > 0.005)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    const total = Object.values(r.cpu).reduce((a, v) => a + v, 0);
    // CPU per unit of work: what a busy neighbour does not change, unlike MB/s
    const per = label.startsWith('big')
      ? `${((1000 * total) / ((BIG_UPLOADS * BIG_SIZE) / MB)).toFixed(1)} ms CPU per MB`
      : `${((1000 * total) / SMALL_UPLOADS).toFixed(0)} ms CPU per upload`;
    console.log(
      `  ${label}: wall ${r.seconds.toFixed(1)} s, available ${avail.toFixed(1)}, ` +
        `machine busy ${r.machine.toFixed(1)} (${((100 * r.machine) / avail).toFixed(0)} %), ` +
        `ours ${total.toFixed(1)} (${((100 * total) / avail).toFixed(0)} %, ${per}): ${parts}`,
    );
  }
} finally {
  for (const lb of Object.values(lbs)) await lb?.stop();
  await d.stop();
}
