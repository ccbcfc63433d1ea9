import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresMissing,
  startPostgres,
  type PostgresCluster,
} from '../../../../../test/pg/harness.js';
import { PostgresLocker } from './postgres-locker.js';

// Two PostgresLocker instances on one database stand for two collector processes: each has its
// own lock session, exactly as separate processes would.
const missing = postgresMissing();
if (missing) console.warn(`PostgresLocker tests skipped — ${missing}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== null)('PostgresLocker (tus locks across processes)', () => {
  let cluster: PostgresCluster;
  let url: string;
  const lockers: PostgresLocker[] = [];
  const locker = (timeoutMs = 30_000) => {
    const l = new PostgresLocker(url, { acquireLockTimeoutMs: timeoutMs, pollMs: 20 });
    lockers.push(l);
    return l;
  };

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('locks');
  }, 60_000);
  afterAll(async () => {
    for (const l of lockers) await l.close();
    await cluster?.stop();
  });

  it('a lock held in one process makes another wait, asks the holder to release, then passes', async () => {
    const a = locker();
    const b = locker();
    const events: string[] = [];
    const la = a.newLock('upload-1');
    await la.lock(new AbortController().signal, () => {
      events.push('a asked to release');
      // what tus does on requestRelease: end the request soon, which unlocks
      setTimeout(() => void la.unlock().then(() => events.push('a unlocked')), 100);
    });
    const lb = b.newLock('upload-1');
    const t0 = Date.now();
    await lb.lock(new AbortController().signal, () => undefined);
    events.push('b locked');
    expect(events).toEqual(['a asked to release', 'a unlocked', 'b locked']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    // other ids are independent
    const other = a.newLock('upload-2');
    await other.lock(new AbortController().signal, () => undefined);
    await other.unlock();
    await lb.unlock();
  });

  it('two requests of one process are exclusive too (advisory locks are re-entrant per session)', async () => {
    const a = locker();
    const first = a.newLock('upload-3');
    let released = 0;
    await first.lock(new AbortController().signal, () => {
      released++;
    });
    const second = a.newLock('upload-3');
    let secondHas = false;
    const p = second
      .lock(new AbortController().signal, () => undefined)
      .then(() => {
        secondHas = true;
      });
    await sleep(200);
    expect(secondHas).toBe(false);
    expect(released).toBeGreaterThan(0);
    await first.unlock();
    await p;
    expect(secondHas).toBe(true);
    await second.unlock();
  });

  it('gives up with tus ERR_LOCK_TIMEOUT when the holder never lets go, or when aborted', async () => {
    const a = locker();
    const b = locker(300);
    const held = a.newLock('upload-4');
    await held.lock(new AbortController().signal, () => undefined); // ignores release requests
    await expect(
      b.newLock('upload-4').lock(new AbortController().signal, () => undefined),
    ).rejects.toMatchObject({ status_code: 500, body: expect.stringMatching(/lock/) });
    const c = locker();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(c.newLock('upload-4').lock(ac.signal, () => undefined)).rejects.toMatchObject({
      status_code: 500,
    });
    await held.unlock();
    await expect(held.unlock()).rejects.toThrow(/unlocked/);
  });

  it('a holder whose lock session dies is asked to stop, and the lock is free for others', async () => {
    const a = locker();
    const b = locker();
    let told = false;
    const la = a.newLock('upload-5');
    await la.lock(new AbortController().signal, () => {
      told = true;
    });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where application_name = 'kdumpfleet-collector-locks' and pid <> pg_backend_pid()
         and pid in (select pid from pg_locks where locktype = 'advisory')`,
    );
    await admin.end();
    const lb = b.newLock('upload-5');
    await lb.lock(new AbortController().signal, () => undefined);
    expect(told).toBe(true);
    await la.unlock(); // no error: the lock went with the session
    await lb.unlock();
    // a's next lock opens a new session
    const again = a.newLock('upload-6');
    await again.lock(new AbortController().signal, () => undefined);
    await again.unlock();
  });

  it('finish locks let one process finish an upload at a time', async () => {
    const a = locker();
    const b = locker();
    let inside = 0;
    let maxInside = 0;
    const work = (l: PostgresLocker) =>
      l.withFinishLock('upload-7', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(150);
        inside--;
      });
    await Promise.all([work(a), work(b), work(a), work(b)]);
    expect(maxInside).toBe(1);
  });
});
