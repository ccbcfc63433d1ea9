/**
 * A real S3 server for tests: Ceph's RADOS Gateway on a throw-away single-node cluster
 * (1 mon, 1 memstore OSD, no mgr, no auth) bound to 127.0.0.1, in a temp dir of its own.
 * Written from the verified recipe in ../shared/s3/ (see its README for timings and pitfalls).
 *
 *   const s3 = await startS3({ bucket: 'dumps' });   // null (+ one warning) when it cannot run here
 *   ... s3.endpoint, s3.accessKey, s3.secretKey, s3.region, s3.bucket ...
 *   await s3.stopGateway(); await s3.startGateway();  // radosgw only: health down / up
 *   await s3.stop();                                   // everything, and the temp dir
 *
 * Cleanup is guaranteed three ways: stop() (call it from afterAll), a process 'exit' handler,
 * and SIGINT/SIGTERM handlers; all of them only signal pids from our own dir's pid files whose
 * command line names our ceph.conf.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'minio';
import { cephConf } from './ceph-conf.js';
import { killAllSync, run, startDaemon, stopDaemons, waitFor } from './daemons.js';
import {
  CEPH_PACKAGES,
  INSTALL_HINT,
  installPackages,
  isRoot,
  missingPackages,
  missingPrograms,
} from './packages.js';
import { freePort } from '../net/free-port.js';

export interface S3Server {
  /** http://127.0.0.1:PORT (path-style addressing, plain http). */
  endpoint: string;
  host: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  /** The cluster's temp dir (ceph.conf, logs in log/, pid files in run/). */
  dir: string;
  /** How long start took, in ms, by phase. */
  timings: { packages: number; mon: number; osd: number; rgw: number; user: number; total: number };
  /** Stops radosgw only; the cluster and its data stay. */
  stopGateway(): Promise<void>;
  /** Starts radosgw again and waits until it serves. */
  startGateway(): Promise<void>;
  /** Stops every daemon and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The collector's environment for storing on this server (STORAGE=s3). Parts of 5 MiB, the
 * smallest S3 allows, so that even a small test dump is several parts.
 */
export function collectorS3Env(s3: S3Server): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    S3_PART_SIZE: '5MiB',
  };
}

export interface StartS3Options {
  /** Bucket to create (default "kdumpfleet-test"). */
  bucket?: string;
  /** memstore (default; data in OSD RAM, fastest) or bluestore (sparse file in the dir). */
  osdStore?: 'memstore' | 'bluestore';
  /** Parent of the temp dir (default: the OS temp dir). */
  baseDir?: string;
}

const MARKER = '.kdf-rgw';
const REGION = 'us-east-1';
const live = new Set<string>(); // cluster dirs not yet stopped, for the exit handlers

function cannotRun(reason: string): null {
  const msg = `S3 tests need Ceph RGW: ${reason}; install with: ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: S3 tests must run, not skip)`);
  console.warn(`skipping S3 tests: ${msg}`);
  return null;
}

/** Whether startS3 can be expected to work here (without starting anything). */
export function s3Prerequisites(): { ok: boolean; reason?: string } {
  if (isRoot()) return { ok: true };
  const missing = missingPackages();
  if (missing.length > 0)
    return { ok: false, reason: `not root and packages missing: ${missing.join(' ')}` };
  const programs = missingPrograms();
  if (programs.length > 0)
    return { ok: false, reason: `programs not found: ${programs.join(' ')}` };
  return { ok: true };
}

const since = (t: number): number => Math.round(performance.now() - t);

export async function startS3(opts: StartS3Options = {}): Promise<S3Server | null> {
  const t0 = performance.now();
  const pre = s3Prerequisites();
  if (!pre.ok) return cannotRun(pre.reason ?? 'unknown');
  const missing = missingPackages();
  if (missing.length > 0) {
    try {
      installPackages(missing);
    } catch (err) {
      return cannotRun(
        `apt-get install ${missing.join(' ')} failed: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }
  const tPackages = since(t0);

  reapOrphans(opts.baseDir ?? tmpdir());
  const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'kdf-rgw-'));
  writeFileSync(join(dir, MARKER), `${process.pid}\n`);
  for (const sub of ['run', 'log', 'mon', 'osd', 'rgw']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'ceph.conf');
  const runDir = join(dir, 'run');
  const log = (name: string) => join(dir, 'log', name);
  live.add(dir);
  installExitHandlers();

  const ceph = (...args: string[]) =>
    run('ceph', ['-c', conf, '--connect-timeout', '5', ...args], log('cli.log'), 30_000);
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const fsid = randomUUID();
  writeFileSync(
    conf,
    cephConf({
      dir,
      fsid,
      monPort,
      rgwPort,
      osdStore: opts.osdStore ?? 'memstore',
      debug: process.env.CEPH_DEBUG === '1',
    }),
  );

  const stopEverything = async (): Promise<void> => {
    if (!live.has(dir)) return;
    live.delete(dir);
    // Throw-away data: SIGKILL all at once (0.2 s) instead of the ordered graceful stop (~6 s).
    await stopDaemons(
      [join(runDir, 'client.rgw.a.pid'), join(runDir, 'osd.0.pid'), join(runDir, 'mon.a.pid')],
      conf,
      0,
    );
    killAllSync(runDir, conf);
    if (existsSync(join(dir, MARKER))) rmSync(dir, { recursive: true, force: true });
  };

  const startGateway = async (): Promise<void> => {
    await startDaemon('radosgw', ['-c', conf, '-n', 'client.rgw.a'], log('stderr.log'));
    await waitFor(`radosgw on ${endpoint} (logs in ${dir}/log)`, 120_000, async () => {
      const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200;
    });
  };

  try {
    let t = performance.now();
    const monmap = await run(
      'monmaptool',
      ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')],
      log('mkfs.log'),
    );
    if (monmap.code !== 0) throw new Error('monmaptool failed');
    const mkfs = await run(
      'ceph-mon',
      ['-c', conf, '-i', 'a', '--mkfs', '--monmap', join(dir, 'monmap')],
      log('mkfs.log'),
    );
    if (mkfs.code !== 0) throw new Error('ceph-mon --mkfs failed');
    await startDaemon('ceph-mon', ['-c', conf, '-i', 'a'], log('stderr.log'));
    await waitFor('the monitor', 30_000, async () => (await ceph('mon', 'stat')).code === 0);
    const tMon = since(t);

    t = performance.now();
    const osdUuid = randomUUID();
    const created = await ceph('osd', 'new', osdUuid);
    const osdId = created.stdout.trim();
    if (created.code !== 0 || osdId !== '0') throw new Error(`ceph osd new returned "${osdId}"`);
    mkdirSync(join(dir, 'osd', 'osd.0'));
    const osdMkfs = await run(
      'ceph-osd',
      ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid],
      log('mkfs.log'),
    );
    if (osdMkfs.code !== 0) throw new Error('ceph-osd --mkfs failed');
    await startDaemon('ceph-osd', ['-c', conf, '-i', '0'], log('stderr.log'));
    await waitFor('osd.0 up', 60_000, async () => {
      const dump = await ceph('osd', 'dump', '--format', 'json');
      return dump.code === 0 && dump.stdout.includes('"up":1');
    });
    const tOsd = since(t);

    t = performance.now();
    await startGateway();
    const tRgw = since(t);

    t = performance.now();
    const accessKey = randomBytes(10).toString('hex').toUpperCase();
    const secretKey = randomBytes(20).toString('base64url');
    const user = await run(
      'radosgw-admin',
      [
        '-c',
        conf,
        'user',
        'create',
        '--uid=test',
        '--display-name=kdumpfleet tests',
        `--access-key=${accessKey}`,
        `--secret-key=${secretKey}`,
      ],
      log('admin.log'),
    );
    if (user.code !== 0) throw new Error('radosgw-admin user create failed');
    const bucket = opts.bucket ?? 'kdumpfleet-test';
    const client = new Client({
      endPoint: '127.0.0.1',
      port: rgwPort,
      useSSL: false,
      accessKey,
      secretKey,
      region: REGION,
      pathStyle: true,
    });
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, REGION);
    const tUser = since(t);

    return {
      endpoint,
      host: '127.0.0.1',
      port: rgwPort,
      accessKey,
      secretKey,
      region: REGION,
      bucket,
      dir,
      timings: {
        packages: tPackages,
        mon: tMon,
        osd: tOsd,
        rgw: tRgw,
        user: tUser,
        total: since(t0),
      },
      stopGateway: () => stopDaemons([join(runDir, 'client.rgw.a.pid')], conf, 15_000),
      startGateway,
      stop: stopEverything,
    };
  } catch (err) {
    const detail = `${(err as Error).message} (logs were in ${dir}/log)`;
    await stopEverything();
    throw new Error(`Ceph RGW did not start: ${detail}`, { cause: err });
  }
}

/**
 * Clusters left by a test process that died without cleaning up (SIGKILL, OOM): their marker
 * names an owner pid that no longer exists. Stop their daemons (pid files + ceph.conf check)
 * and remove their dirs, so orphans cannot pile up across runs.
 */
function reapOrphans(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith('kdf-rgw-'));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, MARKER), 'utf8').trim());
    } catch {
      continue; // no marker: not ours to touch
    }
    if (!Number.isInteger(owner) || owner <= 0 || existsSync(`/proc/${owner}`)) continue;
    killAllSync(join(dir, 'run'), join(dir, 'ceph.conf'));
    rmSync(dir, { recursive: true, force: true });
  }
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const killLive = (): void => {
    for (const dir of live) {
      killAllSync(join(dir, 'run'), join(dir, 'ceph.conf'));
      if (existsSync(join(dir, MARKER))) rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on('exit', killLive);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killLive();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}

export { CEPH_PACKAGES, INSTALL_HINT };
