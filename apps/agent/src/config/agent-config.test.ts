import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  loadAgentConfig,
  parseByteSize,
  requireCollector,
} from './agent-config.js';
import { parseDuration } from './duration.js';
import { watchSettings } from '../watch/watch-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'kdf-agent-config-'));
function file(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

describe('loadAgentConfig', () => {
  it('uses defaults when /etc/kdumpfleet/agent.json is absent and nothing is set', () => {
    const c = loadAgentConfig({ KDUMPFLEET_CONFIG: file('empty.json', '{}') });
    expect(c.dumpDir).toBe('/var/crash');
    expect(c.stateDir).toBe('/var/lib/kdumpfleet');
    expect(c.makedumpfileArgs).toBe('-l -d 31');
    expect(c.reportIntervalMs).toBe(3_600_000);
    expect(c.collectorUrl).toBeNull();
    expect(() => requireCollector(c)).toThrow(/collectorUrl: not set/);
  });

  it('reads the file, then lets environment variables override it', () => {
    const p = file(
      'a.json',
      JSON.stringify({
        collectorUrl: 'http://c:8080/',
        uploadToken: 'x'.repeat(20),
        node: 'web-01',
        dumpDirs: ['/srv/crash', '/var/crash'],
        reportInterval: '15m',
      }),
    );
    const c = loadAgentConfig({ KDUMPFLEET_CONFIG: p, KDUMPFLEET_NODE: 'web-02' });
    expect(c.collectorUrl).toBe('http://c:8080');
    expect(c.node).toBe('web-02');
    expect(c.dumpDir).toBe('/srv/crash');
    expect(c.dumpDirs).toEqual(['/srv/crash', '/var/crash']);
    expect(c.reportIntervalMs).toBe(900_000);
    expect(requireCollector(c)).toEqual({ url: 'http://c:8080', token: 'x'.repeat(20) });
  });

  it('reads the token from uploadTokenFile', () => {
    const tok = file('token', 'secret-token-0123456789\n');
    const c = loadAgentConfig({
      KDUMPFLEET_CONFIG: file('t.json', JSON.stringify({ uploadTokenFile: tok })),
    });
    expect(c.uploadToken).toBe('secret-token-0123456789');
  });

  it('watch: off in run and report-only by default; agent.json keys, then flags on top', () => {
    const off = loadAgentConfig({ KDUMPFLEET_CONFIG: file('w0.json', '{}') }).watch;
    expect(off).toMatchObject({ enabled: false, action: 'report', crashAfterMs: 300_000 });
    expect(watchSettings(off)).toMatchObject({
      intervalMs: 30_000,
      deadlineMs: 10_000,
      action: 'report',
      tcp: [{ host: '127.0.0.1', port: 22, banner: true }],
    });
    const on = loadAgentConfig({
      KDUMPFLEET_CONFIG: file(
        'w1.json',
        JSON.stringify({
          watch: {
            enabled: true,
            interval: '5s',
            deadline: 3,
            probes: ['rtnl', 'block-io'],
            tcpConnect: ['8080'],
            action: 'crash',
            crashAfter: '2m',
          },
        }),
      ),
    }).watch;
    const s = watchSettings(on);
    expect(s).toMatchObject({ intervalMs: 5000, deadlineMs: 3000, action: 'crash' });
    expect(s.crashAfterMs).toBe(120_000);
    expect(s.probes).toEqual(['rtnl', 'block-io']);
    expect(s.tcp).toEqual([{ host: '127.0.0.1', port: 8080, banner: false }]);
    const flags = watchSettings(on, { action: 'report', 'crash-after': '10', probes: 'rtnl' });
    expect(flags).toMatchObject({ action: 'report', crashAfterMs: 10_000, probes: ['rtnl'] });
    expect(() => watchSettings({ ...on, crashAfterMs: 1000 })).toThrow(
      /^agent\.json watch\.crashAfter \(1\) must be at least one agent\.json watch\.interval \(5\)/,
    );
    expect(() => watchSettings(on, { 'crash-after': '1' })).toThrow(
      /^--crash-after \(1\) must be at least one agent\.json watch\.interval \(5\)/,
    );
  });

  it.each([
    ['{"watch": {"action": "reboot"}}', /watch\.action/],
    ['{"watch": {"probes": ["ping"]}}', /watch\.probes\.0/],
    ['{"watch": {"crashAfter": "soon"}}', /watch\.crashAfter: 'soon' is not a duration/],
    ['{"collectorUrl": "ftp://x"}', /collectorUrl/],
    ['{"dumpDir": "relative"}', /dumpDir/],
    ['{"frobnicate": 1}', /frobnicate|Unrecognized/],
    ['{"reportInterval": "soon"}', /reportInterval: 'soon' is not a duration/],
    ['[1,2]', /not a JSON object/],
    ['{oops', /invalid JSON/],
  ])('one clear error for %s', (body, re) => {
    const p = file(`bad-${Math.random()}.json`, body);
    let err: unknown;
    try {
      loadAgentConfig({ KDUMPFLEET_CONFIG: p });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(re);
    expect(msg).toContain(p);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('names the environment variable when the bad value came from it', () => {
    expect(() =>
      loadAgentConfig({
        KDUMPFLEET_CONFIG: file('e.json', '{}'),
        KDUMPFLEET_UPLOAD_TOKEN: 'short',
      }),
    ).toThrow(/^KDUMPFLEET_UPLOAD_TOKEN: uploadToken:/);
  });

  it('a missing file named by KDUMPFLEET_CONFIG is an error', () => {
    expect(() => loadAgentConfig({ KDUMPFLEET_CONFIG: join(dir, 'nope.json') })).toThrow(/ENOENT/);
  });
});

describe('sizes and durations', () => {
  it('parses what the README promises', () => {
    expect(parseByteSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize(4096)).toBe(4096);
    expect(parseByteSize('lots')).toBeNull();
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('-1s')).toBeNull();
  });
});
