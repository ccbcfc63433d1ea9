import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readinessReportSchema } from '@kdumpfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  collectorMain,
  removeDir,
  repoRoot,
  startCollector,
  tempDataDir,
  UPLOAD_TOKEN,
  uploadHeaders,
  type RunningCollector,
} from '../collector/harness.js';
import { fixtureDumps } from '../collector/tus-client.js';
import { agentHome, placeDebianDump, runAgent, type AgentHome } from './agent-harness.js';

const testdata = join(repoRoot, 'libs', 'readiness', 'testdata');
let collector: RunningCollector;
const homes: AgentHome[] = [];

interface NodeSummary {
  node: string;
  ready: boolean;
  verdict: string;
  findingsCount: number;
  kernelRelease: string | null;
  stale: boolean;
  reports: number;
  lastReportAt: string;
}

beforeAll(async () => {
  collector = await startCollector({ env: { NODE_STALE_AFTER: '3s' } });
}, 90_000);
afterAll(async () => {
  await collector?.stop();
  if (collector) removeDir(collector.dataDir);
  for (const h of homes) removeDir(h.root);
});

function home(node: string): AgentHome {
  const h = agentHome({ collectorUrl: collector.url, uploadToken: UPLOAD_TOKEN, node }, 'nodes');
  homes.push(h);
  return h;
}

const get = async (path: string, headers: Record<string, string> = adminHeaders) => {
  const r = await fetch(`${collector.url}${path}`, { headers });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('readiness reports reach the collector (built agent → built collector)', () => {
  it('report sends check’s report; GET /api/v1/nodes shows node, verdict, findings, kernel', async () => {
    const ready = home('ready-host');
    const root = join(testdata, 'debian-ready', 'root');
    const check = spawnSync(
      process.execPath,
      [join(repoRoot, 'apps/agent/dist/cli.js'), 'check', '--root', root, '--json'],
      { encoding: 'utf8' },
    );
    const expected = readinessReportSchema.parse(JSON.parse(check.stdout));
    const r = runAgent(ready, ['report', '--json'], { KDUMPFLEET_SYSROOT: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      node: 'ready-host',
      ready: true,
      verdict: 'ready',
    });

    const notReady = home('bare-host');
    const r2 = runAgent(notReady, ['report'], {
      KDUMPFLEET_SYSROOT: join(testdata, 'no-crashkernel', 'root'),
    });
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/sent for bare-host: not-ready/);

    const list = await get('/api/v1/nodes');
    expect(list.status).toBe(200);
    const nodes = list.body.nodes as NodeSummary[];
    expect(nodes.map((n) => n.node)).toEqual(['bare-host', 'ready-host']);
    const rh = nodes.find((n) => n.node === 'ready-host')!;
    expect(rh).toMatchObject({
      ready: true,
      verdict: 'ready',
      findingsCount: expected.findings.length,
      kernelRelease: expected.kernelRelease,
      stale: false,
      reports: 1,
    });
    expect(nodes.find((n) => n.node === 'bare-host')).toMatchObject({
      ready: false,
      verdict: 'not-ready',
    });
  }, 60_000);

  it('GET /api/v1/nodes/:node: the whole last report, history, and the stale flag later', async () => {
    const h = home('history-host');
    const env = { KDUMPFLEET_SYSROOT: join(testdata, 'rhel-ready', 'root') };
    expect(runAgent(h, ['report'], env).code).toBe(0);
    expect(runAgent(h, ['report'], env).code).toBe(0);
    const one = await get('/api/v1/nodes/history-host');
    expect(one.status).toBe(200);
    expect(one.body.reports).toBe(2);
    expect((one.body.history as unknown[]).length).toBe(2);
    expect(readinessReportSchema.safeParse(one.body.report).success).toBe(true);
    expect(one.body.stale).toBe(false);
    await new Promise((r) => setTimeout(r, 3500));
    expect((await get('/api/v1/nodes/history-host')).body.stale).toBe(true);
  }, 60_000);

  it('refuses bad bodies, bad names and wrong tokens with one clear reason', async () => {
    const post = (node: string, body: string, headers: Record<string, string>) =>
      fetch(`${collector.url}/api/v1/nodes/${node}/readiness`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
    const garbage = await post('x1', '{"schema":"kdumpfleet.readiness/v1"}', uploadHeaders);
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { message: string }).message).toMatch(/^[a-zA-Z.]+: /);
    expect((await post('x1', '{not json', uploadHeaders)).status).toBe(400);
    expect((await post('bad%20name', '{}', uploadHeaders)).status).toBe(400);
    expect((await post('x1', '{}', { Authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(
      401,
    );
    expect((await post('x1', 'x'.repeat(3 * 1024 * 1024), uploadHeaders)).status).toBe(413);
    expect((await get('/api/v1/nodes', uploadHeaders)).status).toBe(403);
    expect((await get('/api/v1/nodes/never-reported')).status).toBe(404);
  }, 30_000);

  it('a bad NODE_STALE_AFTER stops the collector with one line', () => {
    const dir = tempDataDir('nodes-bad');
    const r = spawnSync(process.execPath, [collectorMain], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dir,
        PORT: '0',
        NODE_STALE_AFTER: 'soon',
        UPLOAD_TOKENS: UPLOAD_TOKEN,
        ADMIN_TOKEN: 'admin-token-for-tests-0123456789abc',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    removeDir(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NODE_STALE_AFTER: 'soon' is not a duration/);
  }, 40_000);
});

describe('kdumpfleet run --once (the boot-time round)', () => {
  it('uploads pending dumps and sends the report, logging one JSON line per event', async () => {
    const h = home('run-host');
    placeDebianDump(h.crashDir, '202611231800', fixtureDumps()[0]!.path);
    const r = runAgent(h, ['run', '--once'], {
      KDUMPFLEET_SYSROOT: join(testdata, 'debian-ready', 'root'),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['dump-uploaded', 'report-sent']);
    const node = await get('/api/v1/nodes/run-host');
    expect(node.body).toMatchObject({ node: 'run-host', ready: true, reports: 1 });
    const again = runAgent(h, ['run', '--once'], {
      KDUMPFLEET_SYSROOT: join(testdata, 'debian-ready', 'root'),
    });
    expect(again.stdout).not.toMatch(/dump-uploaded/);
  }, 60_000);
});

describe('drill (fake kfault debugfs in a sysroot copy)', () => {
  it('registers the drill, sets the panic sysctl, arms and triggers; the next dump passes it', async () => {
    const h = home('drill-host');
    const root = join(h.root, 'sysroot');
    cpSync(join(testdata, 'debian-ready', 'root'), root, { recursive: true });
    const kf = join(root, 'sys/kernel/debug/kfault');
    mkdirSync(kf, { recursive: true });
    writeFileSync(
      join(kf, 'scenarios'),
      // kfault's own format: seq_printf("%-16s %s: %s\n", name, crash|hang, description)
      'panic            crash: deliberate panic\noops             crash: NULL write\n' +
        'warn             crash: WARN()\nrtnl             hang: holds rtnl_lock\n',
    );
    writeFileSync(join(kf, 'arm'), '0\n');
    writeFileSync(join(kf, 'trigger'), '');
    mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
    writeFileSync(join(root, 'proc/sys/kernel/panic_on_warn'), '0\n');
    const env = { KDUMPFLEET_SYSROOT: root };

    const unconfirmed = runAgent(h, ['drill', 'oops'], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes-crash-this-host/);
    expect(readFileSync(join(kf, 'trigger'), 'utf8')).toBe('');
    const hang = runAgent(h, ['drill', 'rtnl', '--yes-crash-this-host'], env);
    expect(hang.code).toBe(2);
    expect(hang.stderr).toMatch(/soft hang, not a crash/);

    // The fake trigger file does not crash anything, so the agent says the host survived.
    const r = runAgent(h, ['drill', 'warn', '--yes-crash-this-host', '--window', '600'], env);
    expect(r.stdout).toMatch(/drill .*: warn on drill-host \(kernel\.panic_on_warn=1\)/);
    expect(r.stderr).toMatch(/survived/);
    expect(r.code).toBe(2);
    expect(readFileSync(join(kf, 'arm'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(kf, 'trigger'), 'utf8')).toBe('warn\n');
    expect(readFileSync(join(root, 'proc/sys/kernel/panic_on_warn'), 'utf8')).toBe('1\n');

    const before = await get('/api/v1/nodes/drill-host/drills', uploadHeaders);
    expect((before.body.drills as { state: string }[]).map((d) => d.state)).toEqual(['pending']);

    placeDebianDump(h.crashDir, '202611231700', fixtureDumps()[0]!.path);
    const up = runAgent(h, ['upload', '--json']);
    expect(up.code).toBe(0);
    const dumpId = (JSON.parse(up.stdout) as { uploaded: { dumpId: string }[] }).uploaded[0]!
      .dumpId;
    const status = runAgent(h, ['drill', '--status', '--json']);
    expect(status.code).toBe(0);
    const drills = (
      JSON.parse(status.stdout) as { drills: { state: string; dumpId: string; scenario: string }[] }
    ).drills;
    expect(drills).toHaveLength(1);
    expect(drills[0]).toMatchObject({ state: 'passed', dumpId, scenario: 'warn' });
  }, 90_000);
});
