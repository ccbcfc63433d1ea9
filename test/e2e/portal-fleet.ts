import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_TOKEN,
  adminHeaders,
  repoRoot,
  startCollector,
  UPLOAD_TOKEN,
  type RunningCollector,
} from '../collector/harness.js';
import { ensureDebuginfoDirs, hasCommand, pythonHasDrgn } from '../analysis/debuginfo-cache.js';
import { fixtureDumps, tusUpload } from '../collector/tus-client.js';

/**
 * A collector as support engineers meet it: the fixture dumps uploaded by "agents", two nodes
 * enrolled with the real `kdumpfleet enroll` and reporting with `kdumpfleet report` (one ready
 * sysroot, one not), and three portal users (admin, engineer, viewer).
 */
export const agentCli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');
export const portalIndex = join(repoRoot, 'apps', 'portal', 'dist', 'index.html');
const readinessTestdata = join(repoRoot, 'libs', 'readiness', 'testdata');

export const USERS = {
  admin: { username: 'admin', password: 'admin-password-for-e2e', role: 'admin' },
  engineer: { username: 'erin', password: 'engineer-password-e2e', role: 'engineer' },
  viewer: { username: 'victor', password: 'viewer-password-e2e1', role: 'viewer' },
} as const;

export const READY_NODE = { node: 'web-01', sysroot: 'debian-ready' };
export const NOT_READY_NODE = { node: 'db-02', sysroot: 'reservation-too-small' };

export interface FixtureTruth {
  name: string;
  path: string;
  size: number;
  sha256: string;
  kernel: { release: string };
  crashTime: string | null;
  oops: { kind: string; culprit: { symbol: string; module: string | null } } | null;
}

export function truths(): FixtureTruth[] {
  return fixtureDumps().map((d) => {
    const t = JSON.parse(readFileSync(join(d.path, '..', 'truth.json'), 'utf8')) as Omit<
      FixtureTruth,
      'name' | 'path'
    >;
    return { ...t, name: d.name, path: d.path, size: d.size, sha256: d.sha256 };
  });
}

/** The built artefacts the test needs; a clear error (not a skip) when `npm run build` did not run. */
export function requireBuilt(): void {
  for (const f of [agentCli, portalIndex, join(repoRoot, 'apps', 'collector', 'dist', 'main.js')])
    if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
}

export async function api(
  c: RunningCollector,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${c.url}${path}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // text body
  }
  return { status: res.status, body, headers: res.headers };
}

export function kdumpfleet(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [agentCli, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Admin-token call creating a portal user. */
export async function createUser(
  c: RunningCollector,
  u: { username: string; password: string; role: string },
): Promise<void> {
  const r = await api(c, '/api/v1/users', {
    method: 'POST',
    headers: { ...adminHeaders, 'Content-Type': 'application/json' },
    body: JSON.stringify(u),
  });
  if (r.status !== 201)
    throw new Error(`creating ${u.username}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** `kdumpfleet enroll` then `kdumpfleet report` for one node against a readiness sysroot. */
export async function enrollAndReport(
  c: RunningCollector,
  node: string,
  sysroot: string,
): Promise<{ reportCode: number | null; stdout: string; stderr: string; uploadToken: string }> {
  const created = await api(c, '/api/v1/enrollment-tokens', {
    method: 'POST',
    headers: { ...adminHeaders, 'Content-Type': 'application/json' },
    body: JSON.stringify({ label: `e2e ${node}`, maxUses: 1 }),
  });
  if (created.status !== 201) throw new Error(`enrollment token: ${created.status}`);
  const token = (created.body as { token: string }).token;
  const dir = mkdtempSync(join(tmpdir(), `kdf-agent-${node}-`));
  mkdirSync(join(dir, 'state'), { recursive: true });
  const config = join(dir, 'agent.json');
  const enroll = kdumpfleet(
    {},
    'enroll',
    '--collector',
    c.url,
    '--token',
    token,
    '--node',
    node,
    '--token-file',
    join(dir, 'upload-token'),
    '--config',
    config,
  );
  if (enroll.code !== 0) throw new Error(`kdumpfleet enroll: ${enroll.code} ${enroll.stderr}`);
  const report = kdumpfleet(
    {
      KDUMPFLEET_CONFIG: config,
      KDUMPFLEET_SYSROOT: join(readinessTestdata, sysroot, 'root'),
      KDUMPFLEET_STATE_DIR: join(dir, 'state'),
    },
    'report',
    '--json',
  );
  return {
    reportCode: report.code,
    stdout: report.stdout,
    stderr: report.stderr,
    uploadToken: readFileSync(join(dir, 'upload-token'), 'utf8').trim(),
  };
}

/** Registers a fire drill for `node` with its own token, as `kdumpfleet drill` does before crashing. */
export async function registerDrill(
  c: RunningCollector,
  node: string,
  token: string,
): Promise<void> {
  const r = await api(c, `/api/v1/nodes/${node}/drills`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'sysrq-crash', windowSeconds: 3600 }),
  });
  if (r.status !== 201) throw new Error(`drill for ${node}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Uploads every fixture dump like an agent (6.1 dumps from web-01, 6.12 from db-02). */
export async function uploadFixtures(c: RunningCollector): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const t of truths()) {
    const node = t.kernel.release.startsWith('6.1.') ? READY_NODE.node : NOT_READY_NODE.node;
    const out = await tusUpload(c.url, t.path, {
      filename: t.path.split('/').pop()!,
      node,
      sha256: t.sha256,
      encoding: t.path.endsWith('.zst') ? 'zstd' : 'none',
      kernel_release: t.kernel.release,
      ...(t.crashTime ? { captured_at: t.crashTime } : {}),
    });
    if (!out.dumpId) throw new Error(`${t.name}: no Dump-Id`);
    ids.set(t.name, out.dumpId);
  }
  return ids;
}

/** Waits until triage of `dumpId` is over (any state past triaging). */
export async function waitTriaged(c: RunningCollector, dumpId: string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const r = await api(c, `/api/v1/dumps/${dumpId}/analysis`, { headers: adminHeaders });
    last = r.body;
    const state = (r.body as { state?: string } | null)?.state;
    if (r.status === 200 && state && !['received', 'triaging'].includes(state)) return r.body;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`dump ${dumpId} not triaged after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/**
 * Deep analysis (crash(8)/drgn) can run here: the tools are installed. Then the portal test gets
 * the 6.12 vmlinux (downloaded once into the shared debuginfo cache, as test/analysis does) and
 * shows crash/drgn output; without them it says what to install.
 */
export const deepToolsMissing: string | null =
  hasCommand('crash') && pythonHasDrgn()
    ? null
    : 'install crash and python3-drgn (scripts/apt/test/analysis.txt)';

/**
 * Nodes go dead 6 s after their last heartbeat here (the default is 3 min), so the fleet test
 * can show a dead node without waiting; the live ones send a heartbeat every second.
 */
export const E2E_DEAD_AFTER_SECONDS = 6;

/**
 * `kdumpfleet watch` for `node` in the background (the built agent, heartbeats to the
 * collector, the global upload token): a real node's liveness, not a hand-made one.
 */
export function watchNode(
  c: RunningCollector,
  node: string,
  args: string[],
  sysroot?: string,
): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), `kdf-watch-${node}-`));
  writeFileSync(join(dir, 'agent.json'), '{}');
  return spawn(process.execPath, [agentCli, 'watch', '--json', ...args], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      KDUMPFLEET_CONFIG: join(dir, 'agent.json'),
      KDUMPFLEET_COLLECTOR_URL: c.url,
      KDUMPFLEET_UPLOAD_TOKEN: UPLOAD_TOKEN,
      KDUMPFLEET_NODE: node,
      KDUMPFLEET_STATE_DIR: dir,
      ...(sysroot ? { KDUMPFLEET_SYSROOT: join(readinessTestdata, sysroot, 'root') } : {}),
    },
  });
}

/** A node that only ever sends heartbeats (no readiness report): the one that goes dead. */
export const DEAD_NODE = 'app-03';

interface NodeLiveness {
  state: string;
  action?: { state: string } | null;
}

/** Polls GET /api/v1/nodes until `ok` holds for the liveness of every listed node. */
export async function untilLiveness(
  c: RunningCollector,
  ok: (byNode: Map<string, NodeLiveness>) => boolean,
  timeoutMs = 30_000,
): Promise<Map<string, NodeLiveness>> {
  const end = Date.now() + timeoutMs;
  let byNode = new Map<string, NodeLiveness>();
  while (Date.now() < end) {
    const r = await api(c, '/api/v1/nodes', { headers: adminHeaders });
    const body = r.body as {
      nodes: { node: string; liveness: NodeLiveness }[];
      heartbeatOnly: { node: string; liveness: NodeLiveness }[];
    };
    byNode = new Map([...body.nodes, ...body.heartbeatOnly].map((n) => [n.node, n.liveness]));
    if (ok(byNode)) return byNode;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`liveness not reached in ${timeoutMs} ms: ${JSON.stringify([...byNode])}`);
}

export async function startPortalCollector(env: Record<string, string | null> = {}) {
  const debugDirs = deepToolsMissing ? null : ensureDebuginfoDirs();
  return startCollector({
    env: {
      NODE_DEAD_AFTER: `${E2E_DEAD_AFTER_SECONDS}s`,
      INITIAL_ADMIN_USER: USERS.admin.username,
      INITIAL_ADMIN_PASSWORD: USERS.admin.password,
      // 6.12 dumps get crash(8)/drgn output; the others end `no-debuginfo` with a reason.
      ...(debugDirs ? { DEBUGINFO_DIRS: debugDirs } : {}),
      ...env,
    },
  });
}

export { ADMIN_TOKEN };
