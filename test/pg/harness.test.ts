import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresMissing, startPostgres } from './harness.js';

const missing = postgresMissing();
if (missing) console.warn(`test/pg: skipped — ${missing}`);

describe.skipIf(missing !== null)('throw-away PostgreSQL cluster', () => {
  it('starts in a few seconds, makes separate databases, stops and leaves nothing behind', async () => {
    const t0 = Date.now();
    const cluster = await startPostgres();
    const startMs = Date.now() - t0;
    console.log(`test/pg: cluster up in ${startMs} ms on port ${cluster.port}`);
    expect(startMs).toBeLessThan(30_000);
    try {
      const a = await cluster.createDatabase('harness_a');
      const b = await cluster.createDatabase('harness_b');
      const ca = new pg.Client({ connectionString: a });
      const cb = new pg.Client({ connectionString: b });
      await ca.connect();
      await cb.connect();
      await ca.query('create table t (x int)');
      await ca.query('insert into t values (42)');
      expect((await ca.query('select x from t')).rows).toEqual([{ x: 42 }]);
      // a different database: the table does not exist there
      await expect(cb.query('select x from t')).rejects.toThrow(/does not exist/);
      const who = await ca.query('select current_user as u, inet_server_addr()::text as addr');
      expect(who.rows[0]).toMatchObject({ u: 'postgres', addr: '127.0.0.1/32' });
      await ca.end();
      await cb.end();
      await expect(cluster.createDatabase('Bad-Name')).rejects.toThrow(/database name/);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(cluster.dir)).toBe(false);
    const late = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
    await expect(late.connect()).rejects.toThrow();
  });
});
