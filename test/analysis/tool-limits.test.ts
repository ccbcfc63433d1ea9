// crash(8) that hangs is killed at ANALYSIS_TIMEOUT and the drgn fallback is tried; output over
// ANALYSIS_OUTPUT_MAX is cut and marked; a vmlinux whose build-id differs from the dump's is
// refused (no-debuginfo naming it). Stand-ins for crash and a tiny ELF keep this fast; the real
// tools are in deep-analysis.test.ts.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
import { fixtures, getText, upload, waitForAnalysis } from './analysis-harness.js';

const FAKE_CRASH = `#!/bin/bash
# stand-in for crash(8): "hang" sleeps past any timeout; "chatty" writes a huge sys output
if [ "$FAKE_CRASH_MODE" = hang ]; then sleep 600; fi
while IFS= read -r line; do
  case "$line" in
    *' > '*) cmd="\${line%% > *}"; out="\${line##* > }"
      if [ "$cmd" = sys ]; then
        { printf '     RELEASE: fake\\n       PANIC: "fake"\\n'; head -c 200000 /dev/zero | tr '\\0' 'x'; } > "$out"
      else echo "fake $cmd" > "$out"; fi ;;
  esac
done < "$3"
`;

const all = existsSync(collectorMain) ? fixtures() : [];
const k61 = all.find((x) => x.name === 'k61-null-deref');
const k612 = all.find((x) => x.name === 'k612-null-deref');

describe.skipIf(!k61 || !k612)('tool limits and build-id checks', () => {
  const tmp = tempDataDir('analysis-limits');
  const fake = join(tmp, 'fake-crash');
  const dbg = join(tmp, 'debug');
  let started: RunningCollector[] = [];

  beforeAll(() => {
    writeFileSync(fake, FAKE_CRASH);
    chmodSync(fake, 0o755);
    // right build-id for the 6.1 dump (by build-id); a 6.12 "vmlinux" with a wrong one (by release)
    const id = k61!.truth.kernel.buildId!;
    mkdirSync(join(dbg, '.build-id', id.slice(0, 2)), { recursive: true });
    writeFileSync(
      join(dbg, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`),
      elfWithBuildId(id),
    );
    mkdirSync(join(dbg, k612!.truth.kernel.release), { recursive: true });
    writeFileSync(
      join(dbg, k612!.truth.kernel.release, 'vmlinux'),
      elfWithBuildId('ab'.repeat(20)),
    );
  });
  afterAll(async () => {
    for (const c of started) {
      await c.stop();
      removeDir(c.dataDir);
    }
    started = [];
    removeDir(tmp);
  });

  const start = async (mode: string, extra: Record<string, string> = {}) => {
    const c = await startCollector({
      env: {
        DEBUGINFO_DIRS: dbg,
        CRASH_BIN: fake,
        FAKE_CRASH_MODE: mode,
        ANALYSIS_POLL_INTERVAL: '200ms',
        ...extra,
      },
    });
    started.push(c);
    return c;
  };

  it('a hanging crash(8) is killed at ANALYSIS_TIMEOUT; drgn is tried; both reasons recorded', async () => {
    const c = await start('hang', { ANALYSIS_TIMEOUT: '2s' });
    const t = Date.now();
    const id = await upload(c, k61!.path, k61!);
    const a = await waitForAnalysis(c, id, undefined, 60_000);
    expect(a.state).toBe('analysis-failed');
    expect(a.reason).toMatch(/^crash\(8\) timed out after 2000 ms; drgn failed/);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(a.triage.finishedAt).not.toBeNull(); // triage stands
    expect(a.kind).toBe(k61!.truth.oops.kind);
  });

  it('output beyond ANALYSIS_OUTPUT_MAX is cut and marked truncated', async () => {
    const c = await start('chatty', { ANALYSIS_OUTPUT_MAX: '4KiB' });
    const id = await upload(c, k61!.path, k61!);
    const a = await waitForAnalysis(c, id);
    expect(a.state).toBe('analyzed');
    const sys = a.results.find((r) => r.name === 'crash-sys.txt')!;
    expect(sys.truncated).toBe(true);
    expect(sys.size).toBeLessThan(4096 + 200);
    const got = await getText(c, `/api/v1/dumps/${id}/results/crash-sys.txt`);
    expect(got.headers.get('x-kdumpfleet-truncated')).toBe('true');
    expect(got.text).toMatch(/\[kdumpfleet: output cut at 4096 of \d+ bytes\]\n$/);
    expect(a.results.find((r) => r.name === 'crash-bt.txt')!.truncated).toBe(false);
  });

  it('a vmlinux of the right release but another build-id is refused: no-debuginfo names it', async () => {
    const c = await start('chatty');
    const id = await upload(c, k612!.path, k612!);
    const a = await waitForAnalysis(c, id);
    expect(a.state).toBe('no-debuginfo');
    expect(a.reason).toContain(
      `${join(dbg, k612!.truth.kernel.release, 'vmlinux')}: build-id ${'ab'.repeat(20)} ≠`,
    );
    expect(a.kernelRelease).toBe(k612!.truth.kernel.release);
  });
});
