/**
 * The agent in the crash lab (issue 5, "Tests", second bullet), on a real Debian 6.1 kernel:
 * the BUILT kdumpfleet CLI runs inside the busybox guest on the host's own node binary.
 *   boot 1: `check` not ready (no capture kernel) → `arm` → `check` ready → `drill oops`
 *           registers with the host's collector (guestfwd) and crashes the guest; the lab's
 *           capture kernel writes /var/crash/<stamp>/dump.<stamp>
 *   boot 2: `upload --all` delivers the dump to the collector; on the host its sha256 is the one
 *           the agent computed, the bytes decompress (zstd -d) to the dump on the guest disk,
 *           and the drill is passed.
 * Skips (with the reason) only where the lab's own test skips, or without a build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  collectorMain,
  startCollector,
  UPLOAD_TOKEN,
  type RunningCollector,
} from '../collector/harness.js';
import {
  agentBoot2Script,
  agentRunScript,
  guestAgentConfig,
  GUEST_OUT_DIR,
} from './src/agent-script.js';
import { agentDiskFiles } from './src/agent-stage.js';
import { CRASH_SCENARIOS, kdlabLines, runLab, type LabResult } from './src/index.js';
import { repoRoot } from './src/paths.js';
import { LAB_TOOLS, missingLabTools } from './src/prerequisites.js';

const KEEP = process.env.KDF_LAB_KEEP === '1';
const NODE = 'kdlab-guest';
const agentCli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');

/** the lab's own tools, plus zstd for the decompression check */
const missingTools = missingLabTools({ ...LAB_TOOLS, zstd: 'zstd' });
const unbuilt = [agentCli, collectorMain].filter((f) => !existsSync(f));
const canRun = missingTools === null && unbuilt.length === 0;
if (missingTools) console.warn(`lab agent test skipped: ${missingTools}`);
if (unbuilt.length)
  console.warn(`lab agent test skipped: ${unbuilt.join(', ')} missing; run npm run build`);

interface AgentRun {
  exit: number;
  seconds: number;
  out: string;
  err: string;
}

/** The guest's protocol lines of both boots. */
function allLines(r: LabResult): string[] {
  const boot2 = r.boot2 ? kdlabLines(readFileSync(r.boot2.console, 'utf8')) : [];
  return [...r.kdlab, ...boot2];
}

/** `KDLAB: agent NAME exit CODE in S s` lines plus the files the guest left in /kdlab/out. */
function agentRuns(r: LabResult, outDir: string): Map<string, AgentRun> {
  const runs = new Map<string, AgentRun>();
  for (const line of allLines(r)) {
    const m = /^agent (\S+) exit (\d+) in ([\d.]+) s$/.exec(line);
    if (!m) continue;
    const [, name = '', exit = '', seconds = ''] = m;
    const read = (ext: string) => {
      const f = join(outDir, `${name}.${ext}`);
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    };
    runs.set(name, {
      exit: Number(exit),
      seconds: Number(seconds),
      out: read('out'),
      err: read('err'),
    });
  }
  return runs;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

async function getJson<T>(c: RunningCollector, path: string): Promise<T> {
  const res = await fetch(`${c.url}${path}`, { headers: adminHeaders });
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

interface Finding {
  id: string;
  severity: string;
}
interface Report {
  ready: boolean;
  findings: Finding[];
}
const errorIds = (r: Report) => r.findings.filter((f) => f.severity === 'error').map((f) => f.id);

describe.skipIf(!canRun)('agent in the crash lab (6.1): check, arm, drill, upload', () => {
  let collector: RunningCollector;
  beforeAll(async () => {
    collector = await startCollector();
  }, 90_000);
  afterAll(async () => {
    await collector?.stop();
    if (collector && !KEEP) rmSync(collector.dataDir, { recursive: true, force: true });
  });

  it('check → arm → check → drill crashes; boot 2 uploads; sha256 and drill verdict', async () => {
    const scenario = CRASH_SCENARIOS.find((s) => s.name === 'oops');
    if (!scenario) throw new Error('no oops scenario');
    const started = Date.now();
    const configFile = join(collector.dataDir, 'guest-agent.json');
    writeFileSync(configFile, guestAgentConfig({ node: NODE, uploadToken: UPLOAD_TOKEN }));
    const r = await runLab({
      kernel: '6.1',
      scenarios: [scenario],
      loadCaptureKernel: false,
      runScript: agentRunScript(scenario.name),
      boot2: true,
      boot2Script: agentBoot2Script(),
      boot2TimeoutSeconds: 240,
      diskFiles: { ...agentDiskFiles('6.1'), '/kdlab/agent.json': configFile },
      diskSize: '512M',
      network: { collectorPort: collector.port },
    });
    try {
      const outDir = join(r.runDir, 'out');
      if (r.disk)
        spawnSync('debugfs', ['-R', `rdump ${GUEST_OUT_DIR} ${r.runDir}`, r.disk], {
          encoding: 'utf8',
        });
      const runs = agentRuns(r, outDir);
      const show = (name: string) => {
        const a = runs.get(name);
        return a ? `${name}: exit ${a.exit}\n${a.out}\n${a.err}` : `${name}: did not run`;
      };
      console.log(
        `lab agent: ${r.seconds} s; boots ${r.boots.map((b) => `${b.boot} ${b.seconds}s ${JSON.stringify(b.markers)}`).join('; ')}\n` +
          allLines(r)
            .filter((l) => /^(agent|node|net|trigger|capture|kexec|boot2)/.test(l))
            .join('\n'),
      );

      // boot 1: configured, then not ready before arm (only the capture kernel missing), ready after
      expect(runs.get('configure')?.exit, show('configure')).toBe(0);
      const before = runs.get('check-before');
      expect(before?.exit, show('check-before')).toBe(1);
      const beforeReport = JSON.parse(before?.out ?? '{}') as Report;
      expect(beforeReport.ready).toBe(false);
      expect(errorIds(beforeReport)).toEqual(['capture-kernel-loaded']);
      expect(runs.get('arm')?.exit, show('arm')).toBe(0);
      expect(r.kdlab).toContain('kexec crash loaded 1');
      const after = runs.get('check-after');
      expect(after?.exit, show('check-after')).toBe(0);
      expect((JSON.parse(after?.out ?? '{}') as Report).ready).toBe(true);

      // the drill crashed the guest and the lab's capture kernel wrote the dump
      expect(r.kdlab, 'the capture kernel wrote the dump').toContainEqual(
        expect.stringMatching(/^capture ok \/var\/crash\/\d{12}\/dump\.\d{12} \d+ bytes$/),
      );
      expect(r.crash?.missing, "the dump's log shows the oops report").toEqual([]);
      expect(r.dump).toMatch(/\/crash\/(\d{12})\/dump\.\1$/);
      const dump = r.dump ?? '';

      // boot 2: the agent found it and uploaded it
      expect(r.boot2?.ok).toBe(true);
      expect(runs.get('dumps')?.exit, show('dumps')).toBe(0);
      const upload = runs.get('upload');
      expect(upload?.exit, show('upload')).toBe(0);

      // on the host: the collector has it, sha256 as the agent sent it, bytes = the guest's dump
      const list = await getJson<{
        items: { id: string; sha256: string; size: number; node: string }[];
      }>(collector, `/api/v1/dumps?node=${NODE}`);
      expect(list.items).toHaveLength(1);
      const item = list.items[0]!;
      expect(upload?.out, 'the agent reports the sha256 it sent').toContain(item.sha256);
      const res = await fetch(`${collector.url}/api/v1/dumps/${item.id}/file`, {
        headers: adminHeaders,
      });
      expect(res.status).toBe(200);
      const zst = join(r.runDir, 'uploaded.zst');
      writeFileSync(zst, Buffer.from(await res.arrayBuffer()));
      expect(await sha256File(zst)).toBe(item.sha256);
      const plain = join(r.runDir, 'uploaded.dump');
      const z = spawnSync('zstd', ['-d', '-q', '-f', zst, '-o', plain], { encoding: 'utf8' });
      expect(z.status, z.stderr).toBe(0);
      expect(await sha256File(plain)).toBe(await sha256File(dump));

      // the drill: passed, with that dump
      const drills = await getJson<{
        drills: { state: string; scenario: string; dumpId?: string | null }[];
      }>(collector, `/api/v1/nodes/${NODE}/drills`);
      expect(drills.drills).toHaveLength(1);
      expect(drills.drills[0]).toMatchObject({
        state: 'passed',
        scenario: 'oops',
        dumpId: item.id,
      });
      expect(runs.get('drill-status')?.exit, show('drill-status')).toBe(0);
      console.log(`lab agent: whole test ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      if (!KEEP) rmSync(r.runDir, { recursive: true, force: true });
    }
  }, 600_000);
});
