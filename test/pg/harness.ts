import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../net/free-port.js';

/**
 * A throw-away PostgreSQL cluster for tests: initdb into a temp dir, the server on 127.0.0.1 on a
 * free port (unix socket in the temp dir too), trust auth, fsync off. Debian's `postgresql`
 * package provides the binaries (/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as
 * root, so under uid 0 initdb and the server run as the `postgres` user (setpriv) and the temp dir
 * belongs to it. A watchdog shell stops the server and removes the dir if the test process dies
 * without calling stop() (vitest killing a worker, a crash), so no cluster outlives its test.
 */

export const POSTGRES_PACKAGE = 'postgresql';

export interface PostgresCluster {
  /** URL of the `postgres` maintenance database (superuser `postgres`, no password). */
  url: string;
  host: string;
  port: number;
  dir: string;
  /** Creates a fresh empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export class PostgresMissingError extends Error {
  readonly code = 'POSTGRES_MISSING';
  constructor(detail: string) {
    super(
      `${detail}: install the Debian package \`${POSTGRES_PACKAGE}\` (scripts/apt/test/postgres.txt)`,
    );
    this.name = 'PostgresMissingError';
  }
}

const PG_ROOT = '/usr/lib/postgresql';

/** The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres, or null. */
export function findPostgresBin(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return null;
}

/** Why a cluster cannot start here (for a test's skip message), or null when it can. */
export function postgresMissing(): string | null {
  if (!findPostgresBin())
    return new PostgresMissingError(`no PostgreSQL server binaries under ${PG_ROOT}/*/bin`).message;
  if (process.getuid?.() === 0 && lookupUser('postgres') === null)
    return new PostgresMissingError('running as root needs the `postgres` system user').message;
  return null;
}

function lookupUser(name: string): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** argv prefix that runs a program as `postgres` when we are root (setpriv execs: no middleman). */
function asServerUser(): string[] {
  if (process.getuid?.() !== 0) return [];
  return ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'];
}

function run(argv: string[], what: string): void {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}): ${r.stderr || r.stdout || r.error}`);
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function startPostgres(): Promise<PostgresCluster> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const bin = findPostgresBin()!;
  const dir = mkdtempSync(join(tmpdir(), 'kdf-pg-'));
  const owner = process.getuid?.() === 0 ? lookupUser('postgres')! : null;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const prefix = asServerUser();
  try {
    run(
      [
        ...prefix,
        join(bin, 'initdb'),
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ],
      'initdb',
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const host = '127.0.0.1';
  const server: ChildProcess = spawn(
    prefix[0] ?? join(bin, 'postgres'),
    [
      ...prefix.slice(1),
      ...(prefix.length ? [join(bin, 'postgres')] : []),
      '-D',
      data,
      '-h',
      host,
      '-p',
      String(port),
      '-k',
      dir,
      // a test cluster: durability off, room for two collectors + workers + lock sessions
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=32MB',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const pid = server.pid!;
  // Watchdog: when this process is gone, stop the server and remove the dir.
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
        'kill -INT "$2" 2>/dev/null; i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; ' +
        'kill -KILL "$2" 2>/dev/null; rm -rf "$3"',
      'kdf-pg-watchdog',
      String(process.pid),
      String(pid),
      dir,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  let stopped = false;
  const onExit = () => {
    // Synchronous best effort at process exit; the watchdog finishes the job.
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);

  const url = `postgres://postgres@${host}:${port}/postgres`;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
    const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    try {
      process.kill(watchdog.pid!, 'SIGKILL');
    } catch {
      // watchdog already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      await stop();
      throw new Error(`postgres exited before accepting connections:\n${log}`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres not accepting connections after 30 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    url,
    host,
    port,
    dir,
    async createDatabase(name: string) {
      if (!DATABASE_NAME.test(name))
        throw new Error(`database name ${JSON.stringify(name)}: use [a-z_][a-z0-9_]*`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@${host}:${port}/${name}`;
    },
    stop,
  };
}

let shared: Promise<PostgresCluster> | null = null;
let sharedCount = 0;

/**
 * One cluster per test process, started on first use and stopped at process exit (the watchdog
 * removes it): for suites that need many databases (KDF_TEST_DATABASE=postgres).
 */
export function sharedPostgres(): Promise<PostgresCluster> {
  shared ??= startPostgres();
  return shared;
}

/** A fresh database on the shared cluster, named after `tag`. */
export async function freshSharedDatabase(tag = 'kdf'): Promise<string> {
  const cluster = await sharedPostgres();
  sharedCount++;
  const safe = tag
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  return cluster.createDatabase(`${safe}_${process.pid}_${sharedCount}`);
}

/** Who the server runs as (for messages). */
export function serverUser(): string {
  return process.getuid?.() === 0 ? 'postgres' : userInfo().username;
}
