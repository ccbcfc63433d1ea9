/**
 * Debian's nginx as a throw-away round-robin load balancer in front of collector instances:
 * its own nginx.conf, pid, logs and temp paths in a temp dir, listening on 127.0.0.1:free port,
 * in the foreground (`daemon off`) as our child, so stopping it is signalling one pid we started.
 *
 *   const lb = await startNginx({ upstreams: ['127.0.0.1:8081', '127.0.0.1:8082'] });
 *   ... fetch(`${lb.url}/api/v1/uploads`) ...; lb.accessLog() says which upstream served what
 *   await lb.stop();
 *
 * Returns null (after one console.warn naming the package) when nginx is not installed, except
 * with CI=true, where the scale tests must run and a missing nginx is an error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxConf } from './nginx-conf.js';
import { freePort } from '../net/free-port.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const NGINX_INSTALL_HINT = 'apt-get install nginx (Debian package nginx)';

export interface StartNginxOptions {
  /** `host:port` of each collector instance. */
  upstreams: string[];
  /** Port to listen on (default: a free one). */
  port?: number;
  workers?: number;
  /** tus HEAD/PATCH of one upload to one instance (see nginx-conf.ts); default round robin. */
  uploadAffinity?: boolean;
}

export interface RunningNginx {
  url: string;
  port: number;
  dir: string;
  proc: ChildProcess;
  /** Access log lines: `… "PATCH /api/v1/uploads/… HTTP/1.1" 204 … upstream=127.0.0.1:P …`. */
  accessLog(): string[];
  /**
   * The access log once no line has been added for `quietMs`: nginx writes a request's line
   * after its response went out, so a client can finish before the line of its last request.
   */
  settledAccessLog(quietMs?: number): Promise<string[]>;
  errorLog(): string;
  /** SIGTERM (fast shutdown), wait for exit, remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Whether nginx can run here; `reason` names the package to install when it cannot. */
export function nginxPrerequisites(): { ok: boolean; reason?: string } {
  if (!existsSync(NGINX_BIN))
    return { ok: false, reason: `${NGINX_BIN} not found; install with: ${NGINX_INSTALL_HINT}` };
  return { ok: true };
}

/** One warning (or, under CI, an error) for a test that cannot run without nginx. */
export function nginxUnavailable(reason: string): null {
  const msg = `scale tests need nginx: ${reason}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: these tests must run)`);
  console.warn(`skipping: ${msg}`);
  return null;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const running = new Set<ChildProcess>();
let exitHandler = false;

export async function startNginx(opts: StartNginxOptions): Promise<RunningNginx | null> {
  const pre = nginxPrerequisites();
  if (!pre.ok) return nginxUnavailable(pre.reason ?? 'unknown');
  if (opts.upstreams.length === 0) throw new Error('startNginx: no upstreams given');
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'kdf-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  const conf = join(dir, 'nginx.conf');
  const runAsRoot = process.getuid?.() === 0;
  writeFileSync(
    conf,
    nginxConf({
      upstreams: opts.upstreams,
      listen: `127.0.0.1:${port}`,
      dir,
      runAsRoot,
      ...(opts.workers ? { workers: opts.workers } : {}),
      uploadAffinity: opts.uploadAffinity ?? false,
    }),
  );
  // -e: the error log before nginx.conf is read (otherwise the compiled-in path may be tried).
  const args = ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')];
  const check = spawnSync(NGINX_BIN, [...args, '-t', '-q'], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t rejected ${conf}: ${(check.stderr || check.stdout).trim()}`);
  }
  const proc = spawn(NGINX_BIN, [...args, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  running.add(proc);
  if (!exitHandler) {
    exitHandler = true;
    process.once('exit', () => {
      for (const p of running) p.kill('SIGTERM');
    });
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => running.delete(proc));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  let stopped = false;
  const nginx: RunningNginx = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    proc,
    accessLog() {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async settledAccessLog(quietMs = 300) {
      let lines = nginx.accessLog();
      for (;;) {
        await new Promise((r) => setTimeout(r, quietMs));
        const now = nginx.accessLog();
        if (now.length === lines.length) return now;
        lines = now;
      }
    },
    errorLog,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const log = errorLog();
      await nginx.stop();
      throw new Error(`nginx exited (${proc.exitCode ?? proc.signalCode}) at start: ${log}`);
    }
    if (Date.now() > deadline) {
      const log = errorLog();
      await nginx.stop();
      throw new Error(`nginx not listening on ${port} after 15 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return nginx;
}

/** `upstream=127.0.0.1:P, 127.0.0.1:Q` of an access log line: every instance nginx tried. */
export function upstreamsOf(line: string): string[] {
  const m = /upstream=([^ ,]+(?:, [^ ,]+)*)/.exec(line);
  return m ? m[1]!.split(', ') : [];
}
