/**
 * The scale-out deployment of docs/scale.md, for real, on one machine: a throw-away PostgreSQL
 * cluster, the S3 server (Ceph RGW), N stateless collector instances (the BUILT collector, each
 * with its own empty DATA_DIR and its in-process analysis off), M `collector worker` processes,
 * and nginx round-robin in front. Every part can be killed and started again on its own.
 *
 *   const d = await startDeployment({ collectors: 2, workers: 2 });   // null + warning: cannot run
 *   ... tus uploads to d.url (nginx) or d.collectors[i].url (one instance) ...
 *   await d.collectors[0].kill(); await d.collectors[0].start();       // same port: nginx finds it
 *   await d.stop();
 */
import { rmSync } from 'node:fs';
import {
  ADMIN_TOKEN,
  UPLOAD_TOKEN,
  freePort,
  startCollector,
  tempDataDir,
  type RunningCollector,
} from '../collector/harness.js';
import { postgresMissing, startPostgres } from '../pg/harness.js';
import { collectorS3Env, startS3, type S3Server } from '../s3/harness.js';
import { startWorker, type RunningWorker } from './analysis-worker.js';
import { nginxPrerequisites, nginxUnavailable, startNginx, type RunningNginx } from './nginx.js';

export interface DeploymentOptions {
  collectors?: number;
  workers?: number;
  /** Environment for every collector instance and worker (e.g. ANALYSIS_DEEP, ANALYSIS_LEASE). */
  env?: Record<string, string>;
  /** Analysis loops per worker process (ANALYSIS_CONCURRENCY of the workers; default 1). */
  workerConcurrency?: number;
  /** Database name inside the throw-away cluster (default kdumpfleet). */
  database?: string;
  /**
   * The test S3 server's OSD store: memstore (default, fastest, but capped at 4 GB of RAM, and
   * deleted data is only freed by RGW's garbage collection ~30–60 s later) or bluestore (a 20 GB
   * sparse file: for the benchmark, which writes more).
   */
  s3Store?: 'memstore' | 'bluestore';
}

/** One collector instance on a fixed port: killed and started again, it is the same upstream. */
export interface CollectorSlot {
  index: number;
  port: number;
  url: string;
  /** host:port as nginx knows it */
  address: string;
  running: RunningCollector | null;
  start(): Promise<RunningCollector>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface Deployment {
  /** nginx: what agents and browsers use */
  url: string;
  nginx: RunningNginx;
  databaseUrl: string;
  s3: S3Server;
  /** The environment every part shares (database, object store, tokens). */
  sharedEnv: Record<string, string>;
  collectors: CollectorSlot[];
  workers: RunningWorker[];
  /** Starts one more worker process (appended to `workers`). */
  startWorker(extraEnv?: Record<string, string>): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export async function startDeployment(opts: DeploymentOptions = {}): Promise<Deployment | null> {
  const nginxOk = nginxPrerequisites();
  if (!nginxOk.ok) return nginxUnavailable(nginxOk.reason ?? '');
  const pgMissing = postgresMissing();
  if (pgMissing) {
    const msg = `scale tests need PostgreSQL: ${pgMissing}`;
    if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: these tests must run)`);
    console.warn(`skipping: ${msg}`);
    return null;
  }
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        console.warn(`scale deployment cleanup: ${(err as Error).message}`);
      }
    }
  };
  try {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const databaseUrl = await pg.createDatabase(opts.database ?? 'kdumpfleet');

    const s3 = await startS3({ bucket: 'kdumpfleet-scale', osdStore: opts.s3Store ?? 'memstore' });
    if (!s3) {
      await stopAll();
      return null;
    }
    cleanups.push(() => s3.stop());

    const sharedEnv: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      ...collectorS3Env(s3),
      UPLOAD_TOKENS: UPLOAD_TOKEN,
      ADMIN_TOKEN,
      ...(opts.env ?? {}),
    };

    const collectors: CollectorSlot[] = [];
    for (let i = 0; i < (opts.collectors ?? 2); i++) {
      const port = await freePort();
      const slot: CollectorSlot = {
        index: i,
        port,
        url: `http://127.0.0.1:${port}`,
        address: `127.0.0.1:${port}`,
        running: null,
        async start() {
          // A fresh, empty DATA_DIR on every start: an instance keeps nothing of its own.
          const dataDir = tempDataDir(`scale-c${i}`);
          slot.running = await startCollector({
            port,
            dataDir,
            env: {
              ...sharedEnv,
              // ingest and API only; analysis runs in the worker processes
              ANALYSIS_CONCURRENCY: '0',
              // behind the test's nginx on 127.0.0.1, as docs/scale.md tells operators
              TRUST_PROXY: 'loopback',
              ...(opts.env ?? {}),
            },
          });
          return slot.running;
        },
        async stop() {
          const r = slot.running;
          slot.running = null;
          if (!r) return;
          await r.stop();
          rmSync(r.dataDir, { recursive: true, force: true });
        },
        async kill() {
          const r = slot.running;
          slot.running = null;
          if (!r) return;
          await r.kill();
          rmSync(r.dataDir, { recursive: true, force: true });
        },
      };
      collectors.push(slot);
      cleanups.push(() => slot.stop());
    }
    // Started together, as an orchestrator would: migrations must cope with a concurrent start.
    // allSettled: a failed start must not leave the other one starting after the cleanup ran
    const starts = await Promise.allSettled(collectors.map((c) => c.start()));
    const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const nginx = await startNginx({ upstreams: collectors.map((c) => c.address) });
    if (!nginx) {
      await stopAll();
      return null;
    }
    cleanups.push(() => nginx.stop());

    const workers: RunningWorker[] = [];
    const workerDirs: string[] = [];
    cleanups.push(() => {
      for (const d of workerDirs) rmSync(d, { recursive: true, force: true });
    });
    const addWorker = async (extraEnv: Record<string, string> = {}) => {
      const dataDir = tempDataDir('scale-w');
      workerDirs.push(dataDir);
      const w = await startWorker({
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: dataDir,
        ANALYSIS_CONCURRENCY: String(opts.workerConcurrency ?? 1),
        ...sharedEnv,
        ...extraEnv,
        // info at least: startWorker waits for the "running" line, tests count "dump triaged"
        LOG_LEVEL: 'info',
      });
      workers.push(w);
      cleanups.push(() => w.kill().then(() => undefined));
      return w;
    };
    const started = await Promise.allSettled(
      Array.from({ length: opts.workers ?? 2 }, () => addWorker()),
    );
    const failedWorker = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failedWorker) throw failedWorker.reason;

    return {
      url: nginx.url,
      nginx,
      databaseUrl,
      s3,
      sharedEnv,
      collectors,
      workers,
      startWorker: addWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
