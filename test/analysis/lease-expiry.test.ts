// A worker SIGKILLed in the middle of a job: the job is taken again only after its lease has
// expired, by another worker process (`collector worker`), and completes exactly once more.
// crash(8) is replaced by a slow stand-in (CRASH_BIN) so the job is long enough to be killed in,
// and debuginfo is a tiny ELF carrying the dump's build-id (the real tools are tested in
// deep-analysis.test.ts).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elfWithBuildId } from '../../libs/debuginfo/src/elf/testing-elf.js';
import {
  collectorMain,
  removeDir,
  startCollector,
  tempDataDir,
  type RunningCollector,
} from '../collector/harness.js';
import {
  fixtures,
  getJson,
  getText,
  startWorker,
  upload,
  waitFor,
  waitForAnalysis,
  type RunningWorker,
} from './analysis-harness.js';

const FAKE_CRASH = `#!/bin/bash
# stand-in for crash(8): logs each start, works slowly, then writes what crash would redirect
echo "start $$ $(date +%s%N)" >> "$FAKE_CRASH_LOG"
sleep "$FAKE_CRASH_SLEEP"
while IFS= read -r line; do
  case "$line" in
    *' > '*) cmd="\${line%% > *}"; out="\${line##* > }"
      if [ "$cmd" = sys ]; then printf '     RELEASE: fake-release\\n       PANIC: "fake panic"\\n' > "$out"
      else echo "fake $cmd" > "$out"; fi ;;
  esac
done < "$3"
echo "done $$" >> "$FAKE_CRASH_LOG"
`;

const f = existsSync(collectorMain)
  ? fixtures().find((x) => x.name === 'k61-null-deref')
  : undefined;

describe.skipIf(!f)('lease expiry', () => {
  const tmp = tempDataDir('analysis-lease');
  let c: RunningCollector;
  const workers: RunningWorker[] = [];
  const log = join(tmp, 'fake-crash.log');
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const dbg = join(tmp, 'debug');
    const id = f!.truth.kernel.buildId!;
    mkdirSync(join(dbg, '.build-id', id.slice(0, 2)), { recursive: true });
    writeFileSync(
      join(dbg, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`),
      elfWithBuildId(id),
    );
    const fake = join(tmp, 'fake-crash');
    writeFileSync(fake, FAKE_CRASH);
    chmodSync(fake, 0o755);
    mkdirSync(join(tmp, 'tmp'), { recursive: true });
    Object.assign(env, {
      TMPDIR: join(tmp, 'tmp'), // the killed worker's dump copy stays in here, removed with it
      DEBUGINFO_DIRS: dbg,
      CRASH_BIN: fake,
      FAKE_CRASH_LOG: log,
      FAKE_CRASH_SLEEP: '3',
      ANALYSIS_LEASE: '3s',
      ANALYSIS_POLL_INTERVAL: '200ms',
      ANALYSIS_CONCURRENCY: '1',
    });
    // the API process runs no workers: analysis happens only in the separate worker processes
    c = await startCollector({
      dataDir: join(tmp, 'data'),
      env: { ...env, ANALYSIS_CONCURRENCY: '0' },
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await c?.stop();
    removeDir(tmp);
  });

  it('a SIGKILLed worker’s job is redone by another after the lease expires, once', async () => {
    const dumpId = await upload(c, f!.path, f!);
    const a = startWorker(c.dataDir, env);
    workers.push(a);
    await waitFor('the first worker to start crash', () => existsSync(log), 60_000);
    const triaged = await getJson<{ state: string; triage: { attempts: number } }>(
      c,
      `/api/v1/dumps/${dumpId}/analysis`,
    );
    expect(triaged.body.state).toBe('analyzing');
    await a.kill('SIGKILL');
    const killedAt = Date.now();

    const b = startWorker(c.dataDir, env);
    workers.push(b);
    const done = await waitForAnalysis(c, dumpId, (x) => x.state === 'analyzed', 60_000);
    const starts = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('start '));
    expect(starts).toHaveLength(2);
    // the second start waited for the first worker's lease (3 s, renewed every second) to lapse
    const secondStartMs = Number(BigInt(starts[1]!.split(' ')[2]!) / 1_000_000n);
    expect(secondStartMs - killedAt).toBeGreaterThan(1_000);
    expect(done.analysis.attempts).toBe(2);
    expect(done.triage.attempts).toBe(1);
    expect(done.tool).toBe('crash');
    const sys = await getText(c, `/api/v1/dumps/${dumpId}/results/crash-sys.txt`);
    expect(sys.text).toContain('RELEASE: fake-release');
    const summary = await getJson<{ panic: string; release: string }>(
      c,
      `/api/v1/dumps/${dumpId}/results/summary.json`,
    );
    expect(summary.body).toMatchObject({ panic: 'fake panic', release: 'fake-release' });

    // nothing runs it a third time: wait two more lease periods
    await new Promise((r) => setTimeout(r, 6_500));
    expect(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('start ')),
    ).toHaveLength(2);

    // a worker stops cleanly on SIGTERM
    expect(await b.kill('SIGTERM')).toBe(0);
  });
});
