import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './environment.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      storage: 'fs',
      s3: null,
      uploadTokens: [],
      adminToken: null,
      uploadExpiryMs: 24 * 3600 * 1000,
      maxDumpSize: 256 * 1024 ** 3,
      logLevel: 'info',
    });
    expect(c.dataDir).toMatch(/\/var$/);
  });
  it('reads units for durations and sizes', () => {
    const c = loadConfig({
      UPLOAD_EXPIRY: '30m',
      MAX_DUMP_SIZE: '10GB',
      UPLOAD_TOKENS: 'a'.repeat(16) + ', ' + 'b'.repeat(20),
    });
    expect(c.uploadExpiryMs).toBe(30 * 60_000);
    expect(c.maxDumpSize).toBe(10e9);
    expect(c.uploadTokens).toEqual(['a'.repeat(16), 'b'.repeat(20)]);
    expect(loadConfig({ UPLOAD_EXPIRY: '3600' }).uploadExpiryMs).toBe(3_600_000);
  });
  it('names the bad variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: 'x' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ STORAGE: 'tape' }, 'STORAGE'],
      [{ UPLOAD_EXPIRY: 'soon' }, 'UPLOAD_EXPIRY'],
      [{ MAX_DUMP_SIZE: '12 parsecs' }, 'MAX_DUMP_SIZE'],
      [{ UPLOAD_TOKENS: 'short' }, 'UPLOAD_TOKENS'],
      [{ STORAGE: 's3' }, 'S3_ENDPOINT'],
      [
        { STORAGE: 's3', S3_ENDPOINT: 'http://x:1', S3_BUCKET: 'b', S3_ACCESS_KEY: 'k' },
        'S3_SECRET_KEY',
      ],
      [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'postgres://db.example' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'postgres://db/x', DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
      [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
      [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
      [{ TRUST_PROXY: 'loopback,nginx.example' }, 'TRUST_PROXY'],
      [{ TRUST_PROXY: '0' }, 'TRUST_PROXY'],
    ];
    for (const [env, field] of cases) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    }
  });
  it('selects SQLite without DATABASE_URL and PostgreSQL with one', () => {
    expect(loadConfig({}).database).toEqual({ kind: 'sqlite' });
    expect(
      loadConfig({ DATABASE_URL: 'postgres://kdf:pw@db:5432/kdumpfleet', DATABASE_POOL_MAX: '20' })
        .database,
    ).toEqual({ kind: 'postgres', url: 'postgres://kdf:pw@db:5432/kdumpfleet', poolMax: 20 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/k' }).database).toMatchObject({
      kind: 'postgres',
      poolMax: 10,
    });
  });
  it('reads TRUST_PROXY as hops or a list of addresses, CIDRs and names', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
  });
});
