import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../collector/harness.js';

/** The built agent CLI, run as a user runs it, with its configuration in a temp agent.json. */
export const cli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');

export interface AgentHome {
  root: string;
  crashDir: string;
  stateDir: string;
  configPath: string;
  env: Record<string, string>;
}

export function agentHome(config: Record<string, unknown>, tag = 'agent'): AgentHome {
  const root = mkdtempSync(join(tmpdir(), `kdf-${tag}-`));
  const crashDir = join(root, 'var', 'crash');
  const stateDir = join(root, 'var', 'lib', 'kdumpfleet');
  mkdirSync(crashDir, { recursive: true });
  const configPath = join(root, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify({ dumpDir: crashDir, stateDir, minFreeSpace: '1M', ...config }, null, 2),
  );
  return {
    root,
    crashDir,
    stateDir,
    configPath,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      KDUMPFLEET_CONFIG: configPath,
    },
  };
}

export function runAgent(
  home: AgentHome,
  args: string[],
  extraEnv: Record<string, string> = {},
  timeoutMs = 180_000,
) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    env: { ...home.env, ...extraEnv },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function spawnAgent(home: AgentHome, args: string[]): ChildProcess {
  return spawn(process.execPath, [cli, ...args], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Places a copy of a dump file as a kdump-tools dump `<crashDir>/<stamp>/dump.<stamp>`. */
export function placeDebianDump(crashDir: string, stamp: string, source: string): string {
  const dir = join(crashDir, stamp);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `dump.${stamp}`);
  copyFileSync(source, file);
  writeFileSync(join(dir, `dmesg.${stamp}`), 'log\n');
  return file;
}

/**
 * A TCP proxy between agent and collector that can throttle (bytes per second, client → server)
 * and cut every open connection, like a flaky network or a restarting load balancer.
 */
export class CuttingProxy {
  private server: Server;
  private sockets = new Set<Socket>();
  port = 0;
  bytesPerSecond: number;
  /** When set, the first server answer containing this text is swallowed and the link cut. */
  dropResponseContaining: string | null = null;
  droppedResponses = 0;

  constructor(
    private readonly targetPort: number,
    bytesPerSecond = Infinity,
  ) {
    this.bytesPerSecond = bytesPerSecond;
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.on('data', (d: Buffer) => {
        const needle = this.dropResponseContaining;
        if (needle && d.toString('latin1').toLowerCase().includes(needle.toLowerCase())) {
          this.dropResponseContaining = null;
          this.droppedResponses++;
          drop();
          return;
        }
        client.write(d);
      });
      client.on('data', (d: Buffer) => {
        upstream.write(d);
        if (Number.isFinite(this.bytesPerSecond)) {
          client.pause();
          setTimeout(() => client.resume(), (d.length / this.bytesPerSecond) * 1000);
        }
      });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    return this.port;
  }

  cutAll(): number {
    const n = this.sockets.size;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return n;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Like runAgent, without blocking this process (needed when this process runs the proxy). */
export function runAgentAsync(
  home: AgentHome,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnAgent(home, args);
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.once('close', (code) => resolve({ code, stdout, stderr })));
}
