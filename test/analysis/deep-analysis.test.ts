// Deep analysis against the real tools: Debian's debuginfod serving the 6.1 -dbg .deb, crash(8)
// 8.0.2 on the 6.1 fixtures (outputs equal to the fixtures' crash-*.txt), and for the 6.12
// fixtures — which crash 8.0.2 cannot open — the drgn fallback with a vmlinux found by release
// in DEBUGINFO_DIRS.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CrashSummary, DumpAnalysis } from '@kdumpfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectorMain,
  removeDir,
  startCollector,
  tempDataDir,
  type RunningCollector,
} from '../collector/harness.js';
import { fixtures, getJson, getText, upload, waitForAnalysis } from './analysis-harness.js';
import {
  debuginfoCacheRoot,
  ensureDeb,
  ensureVmlinux,
  hasCommand,
  PKG61,
  PKG612,
  pythonHasDrgn,
  REL612,
} from './debuginfo-cache.js';
import { startDebuginfod, type RunningDebuginfod } from './debuginfod-server.js';

const missing = [
  hasCommand('crash') ? null : 'crash',
  hasCommand('debuginfod') ? null : 'debuginfod',
  hasCommand('bsdtar') ? null : 'libarchive-tools',
  pythonHasDrgn() ? null : 'python3-drgn',
  existsSync(collectorMain) ? null : '(npm run build)',
].filter((m) => m !== null);
if (missing.length > 0)
  console.warn(
    `deep analysis tests skipped: install ${missing.join(' ')} (scripts/apt/test/analysis.txt)`,
  );

const all = missing.length === 0 ? fixtures() : [];
const k61 = all.filter((f) => f.truth.kernel.release.startsWith('6.1.0'));
const k612 = all.filter((f) => f.truth.kernel.release === REL612);

/** crash's `sys` without the lines naming local paths (KERNEL, DUMPFILE). */
const sysWithoutPaths = (t: string) =>
  t
    .split('\n')
    .filter((l) => !/^\s*(KERNEL|DUMPFILE):/.test(l))
    .join('\n');

describe.skipIf(missing.length > 0)('deep analysis with crash(8), drgn and debuginfod', () => {
  const tmp = tempDataDir('analysis-deep');
  let dbgd: RunningDebuginfod;
  let c: RunningCollector;
  const ids = new Map<string, string>();
  const timings: Record<string, number | null> = {};

  beforeAll(async () => {
    const root = debuginfoCacheRoot();
    // debuginfod indexes only the 6.1 package dir; the 6.12 vmlinux goes through DEBUGINFO_DIRS
    const deb61 = ensureDeb(join(root, 'deb-6.1'), PKG61);
    const deb612 = ensureDeb(join(root, 'deb-6.12'), PKG612);
    const vmlinux612 = ensureVmlinux(deb612.path, join(root, 'dirs'), REL612);
    timings.download61Ms = deb61.downloadedMs;
    timings.download612Ms = deb612.downloadedMs;
    timings.extract612Ms = vmlinux612.extractedMs;
    dbgd = await startDebuginfod(join(root, 'deb-6.1'), tmp, 1);
    timings.debuginfodScanMs = dbgd.scanMs;
    c = await startCollector({
      dataDir: join(tmp, 'data'),
      env: {
        ANALYSIS_CONCURRENCY: '2',
        ANALYSIS_POLL_INTERVAL: '250ms',
        ANALYSIS_TIMEOUT: '5m',
        DEBUGINFOD_URLS: dbgd.url,
        DEBUGINFO_DIRS: join(root, 'dirs'),
        DEBUGINFO_CACHE_MAX: '2GiB',
      },
    });
    const t = Date.now();
    for (const f of [...k61, ...k612]) ids.set(f.name, await upload(c, f.path, f));
    await Promise.all([...ids.values()].map((id) => waitForAnalysis(c, id, undefined, 6 * 60_000)));
    timings.analysisAllMs = Date.now() - t;
    console.log('deep analysis timings', JSON.stringify(timings));
  }, 15 * 60_000); // a fresh machine downloads ~600 MB of -dbg packages first
  afterAll(async () => {
    await c?.stop();
    await dbgd?.stop();
    removeDir(tmp);
  });

  it('has 6.1 and 6.12 fixtures', () => {
    expect(k61.length).toBeGreaterThanOrEqual(3);
    expect(k612.length).toBeGreaterThanOrEqual(1);
  });

  for (const f of k61) {
    it(`${f.name}: crash(8) with debuginfo from debuginfod gives the fixture's sys/bt/ps/log`, async () => {
      const id = ids.get(f.name)!;
      const a = (await getJson<DumpAnalysis>(c, `/api/v1/dumps/${id}/analysis`)).body;
      expect(a.state, a.reason ?? '').toBe('analyzed');
      expect(a.tool).toBe('crash');
      expect(a.reason).toBeNull();
      expect(a.debuginfo?.via).toBe('debuginfod');
      expect(a.debuginfo?.buildId).toBe(f.truth.kernel.buildId);
      expect(a.analysis.ms).toBeGreaterThan(0);
      const names = a.results.map((r) => r.name);
      for (const n of [
        'crash-sys.txt',
        'crash-bt.txt',
        'crash-bt-a.txt',
        'crash-ps.txt',
        'crash-log.txt',
        'crash-mod.txt',
        'crash-kmem-i.txt',
        'summary.json',
      ])
        expect(names).toContain(n);

      const get = async (n: string) => (await getText(c, `/api/v1/dumps/${id}/results/${n}`)).text;
      const want = (n: string) => readFileSync(join(f.dir, n), 'latin1');
      const sys = await get('crash-sys.txt');
      expect(sysWithoutPaths(sys)).toBe(sysWithoutPaths(want('crash-sys.txt')));
      expect(sys).toMatch(new RegExp(`RELEASE: ${f.truth.kernel.release.replace(/\./g, '\\.')}`));
      expect(await get('crash-bt.txt')).toBe(want('crash-bt.txt'));
      expect(await get('crash-ps.txt')).toBe(want('crash-ps.txt'));
      expect(await get('crash-log.txt')).toBe(want('crash-log.txt'));
      expect(await get('crash-mod.txt')).toMatch(/crashlab\s/);

      const s = JSON.parse(await get('summary.json')) as CrashSummary;
      const panicLine = /PANIC: "(.*)"/.exec(want('crash-sys.txt'))![1]!;
      expect(s.tool).toBe('crash');
      expect(s.release).toBe(f.truth.kernel.release);
      expect(s.panic).toBe(panicLine);
      const btHead = /^PID: (\d+)\s+TASK: \S+\s+CPU: (\d+)\s+COMMAND: "(.*)"/.exec(
        want('crash-bt.txt'),
      )!;
      expect(s.panicTask).toMatchObject({
        pid: Number(btHead[1]),
        cpu: Number(btHead[2]),
        comm: btHead[3],
      });
      expect(s.panicTask!.frames.join(' ')).toMatch(/crashlab_trigger_write \[crashlab\]/);
      expect(s.modules).toContainEqual({ name: 'crashlab', taint: 'OE' });
      expect(Object.values(s.tasksByState).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    });
  }

  for (const f of k612) {
    it(`${f.name}: crash(8) cannot open 6.12, drgn's summary stands in, with the reason`, async () => {
      const id = ids.get(f.name)!;
      const a = (await getJson<DumpAnalysis>(c, `/api/v1/dumps/${id}/analysis`)).body;
      expect(a.state, a.reason ?? '').toBe('analyzed');
      expect(a.tool).toBe('drgn');
      expect(a.reason).toMatch(
        /^crash\(8\) could not open the dump \(exit \d+\): crash: .+; drgn used instead$/,
      );
      expect(a.debuginfo?.via).toBe('dir-release');
      expect(a.debuginfo?.buildId).toBe(f.truth.kernel.buildId);
      // triage results stand beside the fallback
      expect(a.kind).toBe(f.truth.oops.kind);
      const get = async (n: string) => (await getText(c, `/api/v1/dumps/${id}/results/${n}`)).text;
      expect(await get('drgn-sys.txt')).toContain(`RELEASE: ${REL612}`);
      expect(await get('drgn-log.txt')).toContain(f.truth.oops.culprit.symbol);
      const s = JSON.parse(await get('summary.json')) as CrashSummary;
      expect(s.tool).toBe('drgn');
      expect(s.release).toBe(REL612);
      expect(s.panic).not.toBeNull();
      expect(s.panicTask?.pid).toBeGreaterThan(0);
      if (f.truth.oops.kind === 'null-deref') {
        // the fault happened in the culprit's own frame: named from the module's kallsyms
        const c = f.truth.oops.culprit;
        expect(s.panicTask!.frames[0]).toBe(c.module ? `${c.symbol} [${c.module}]` : c.symbol);
      }
      expect(s.modules).toContainEqual({ name: 'crashlab', taint: 'OE' });
    });
  }

  it('debuginfod served the 6.1 vmlinux once (then the cache); 6.12 was asked and not found', async () => {
    const m = await (await fetch(`${dbgd.url}/metrics`)).text();
    const responses = (code: number) =>
      Number(
        new RegExp(
          `http_responses_duration_milliseconds_count\\{code="${code}",type="debuginfo"\\} (\\d+)`,
        ).exec(m)?.[1] ?? 0,
      );
    expect(responses(200)).toBe(1);
    // by build-id first: the 6.12 dumps asked debuginfod (which has only 6.1) before the dirs
    expect(Number(/http_requests_total\{type="debuginfo"\} (\d+)/.exec(m)?.[1])).toBe(
      1 + k612.length,
    );
    const cache = join(c.dataDir, 'debuginfo-cache');
    expect(readdirSync(cache).filter((n) => !n.startsWith('.'))).toEqual([
      k61[0]!.truth.kernel.buildId,
    ]);
  });
});
