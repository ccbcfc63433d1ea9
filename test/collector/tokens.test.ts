import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir } from './harness.js';

describe('tokens generated on first start', () => {
  const dataDir = tempDataDir('tokens');
  afterAll(() => removeDir(dataDir));

  it('creates DATA_DIR/tokens.json (0600), prints it once, reuses it later', async () => {
    const noTokens = { UPLOAD_TOKENS: null, ADMIN_TOKEN: null };
    const first = await startCollector({ dataDir, env: noTokens });
    await first.stop();
    const file = join(dataDir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      uploadTokens: string[];
      adminToken: string;
    };
    expect(first.output()).toContain(stored.adminToken);
    expect(first.output()).toContain(stored.uploadTokens[0]);

    const second = await startCollector({ dataDir, env: noTokens, port: first.port });
    try {
      expect(second.output()).not.toContain(stored.adminToken);
      const ok = await fetch(`${second.url}/api/v1/dumps`, {
        headers: { Authorization: `Bearer ${stored.adminToken}` },
      });
      expect(ok.status).toBe(200);
      const asUploader = await fetch(`${second.url}/api/v1/dumps`, {
        headers: { Authorization: `Bearer ${stored.uploadTokens[0]}` },
      });
      expect(asUploader.status).toBe(403);
    } finally {
      await second.stop();
    }
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(stored);
  });
});
