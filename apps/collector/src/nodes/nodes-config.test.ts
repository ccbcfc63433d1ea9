import { describe, expect, it } from 'vitest';
import { loadNodesConfig, NodesConfigError } from './nodes-config.js';

describe('loadNodesConfig', () => {
  it('has the README defaults', () => {
    expect(loadNodesConfig({})).toEqual({
      staleAfterMs: 7_200_000,
      historyLimit: 500,
      maxReportBytes: 2 * 1024 * 1024,
      drillWindowDefaultMs: 1_800_000,
      drillWindowMaxMs: 86_400_000,
    });
  });

  it('reads durations and numbers', () => {
    const c = loadNodesConfig({
      NODE_STALE_AFTER: '90s',
      NODE_REPORT_HISTORY: '10',
      DRILL_WINDOW_MAX: '2d',
    });
    expect(c.staleAfterMs).toBe(90_000);
    expect(c.historyLimit).toBe(10);
    expect(c.drillWindowMaxMs).toBe(172_800_000);
  });

  it.each([
    ['NODE_STALE_AFTER', 'soon'],
    ['NODE_STALE_AFTER', '0s'],
    ['NODE_REPORT_HISTORY', '0'],
    ['NODE_REPORT_MAX_BYTES', 'lots'],
  ])('%s=%s is one error naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadNodesConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodesConfigError);
    expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
  });
});
