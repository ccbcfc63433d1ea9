import { createHash } from 'node:crypto';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import pg from 'pg';
import { postgresClientConfig } from '../../db/postgres-dialect.js';

/** Two-key advisory lock namespaces ('kdfu', 'kdff'): tus request locks and finish locks. */
export const TUS_LOCKS = 0x6b646675;
export const FINISH_LOCKS = 0x6b646666;

/** NOTIFY channel: "whoever holds the lock on this upload, let go" (tus `requestRelease`). */
const RELEASE_CHANNEL = 'kdumpfleet_tus_release';

/** The upload id as an int4 key (first 4 bytes of its sha256; a collision only serializes). */
export function lockKey(id: string): number {
  return createHash('sha256').update(id).digest().readInt32BE(0);
}

interface Held {
  requestRelease: RequestRelease | null;
  /** the session whose advisory lock this is; a lost session released it already */
  generation: number;
}

interface Acquire {
  namespace: number;
  id: string;
  signal?: AbortSignal;
  /** give up after (ms) */
  timeoutMs: number;
  /** called while waiting, about once a second: ask the holder to let go */
  onContended?: () => void;
  requestRelease?: RequestRelease;
}

export interface PostgresLockerOptions {
  /** How long a tus request waits for a lock before failing (tus' MemoryLocker: 30 s). */
  acquireLockTimeoutMs?: number;
  /** Retry interval while another holder has the lock. */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * `@tus/server` Locker on PostgreSQL advisory locks, so a PATCH, HEAD or DELETE of one upload is
 * exclusive across every collector instance on the database, not only inside one process.
 *
 * One dedicated session per process holds all of this process's locks (session-level
 * `pg_try_advisory_lock`; never a blocking wait, so the session never stalls): a lock per pooled
 * connection would pin one PostgreSQL backend per in-flight PATCH — hours for a big dump on a
 * slow link — and cap concurrent uploads at the pool size. Advisory locks are re-entrant within
 * a session, so the process also keeps the ids it holds in a map and lets only one of its
 * requests at a time try for an id.
 *
 * `requestRelease` across processes: a waiter NOTIFYs the holder's process (every session LISTENs
 * on one channel), which calls the holding request's callback — tus then ends that request, as
 * MemoryLocker does in one process. If the session dies, PostgreSQL has released its locks: every
 * holder is asked to stop, and the next use opens a new session.
 */
export class PostgresLocker implements Locker {
  private session: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private generation = 0;
  private readonly held = new Map<string, Held>();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly url: string,
    private readonly opts: PostgresLockerOptions = {},
  ) {
    this.timeoutMs = opts.acquireLockTimeoutMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 50;
  }

  newLock(id: string): Lock {
    let taken = false;
    return {
      lock: async (signal, requestRelease) => {
        await this.acquire({
          namespace: TUS_LOCKS,
          id,
          signal,
          timeoutMs: this.timeoutMs,
          requestRelease,
          onContended: () => this.notifyHolder(id),
        });
        taken = true;
      },
      unlock: async () => {
        if (!taken) throw new Error('Releasing an unlocked lock!');
        taken = false;
        await this.release(TUS_LOCKS, id);
      },
    };
  }

  /**
   * Runs `fn` while holding this upload's finish lock: finishing an upload (verify, store, record)
   * is done by one instance at a time, and the others then find the record it wrote.
   */
  async withFinishLock<T>(uploadId: string, fn: () => Promise<T>): Promise<T> {
    // Verifying a huge dump by reading it back takes minutes: wait as long as that can take.
    await this.acquire({ namespace: FINISH_LOCKS, id: uploadId, timeoutMs: 6 * 3_600_000 });
    try {
      return await fn();
    } finally {
      await this.release(FINISH_LOCKS, uploadId);
    }
  }

  /** Ends the lock session (its locks are released by PostgreSQL). */
  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = null;
    await s?.end().catch(() => undefined);
  }

  /** A round trip on the lock session (for readiness checks). */
  async ping(): Promise<void> {
    await (await this.client()).query('select 1');
  }

  private async acquire(a: Acquire): Promise<void> {
    const slot = `${a.namespace}:${a.id}`;
    const deadline = Date.now() + a.timeoutMs;
    let lastNudge = 0;
    for (;;) {
      if (a.signal?.aborted || this.closed) throw ERRORS.ERR_LOCK_TIMEOUT;
      const local = this.held.get(slot);
      if (!local) {
        // Reserve the slot before the round trip: the session would grant a second request of
        // this process the same lock (advisory locks are re-entrant per session).
        const reservation: Held = { requestRelease: null, generation: -1 };
        this.held.set(slot, reservation);
        let got: boolean;
        try {
          const client = await this.client();
          reservation.generation = this.generation;
          const r = await client.query<{ ok: boolean }>(
            'select pg_try_advisory_lock($1::int, $2::int) as ok',
            [a.namespace, lockKey(a.id)],
          );
          got = r.rows[0]?.ok === true;
        } catch (err) {
          this.held.delete(slot);
          throw err;
        }
        if (got) {
          reservation.requestRelease = a.requestRelease ?? null;
          if (a.signal?.aborted) {
            await this.release(a.namespace, a.id);
            throw ERRORS.ERR_LOCK_TIMEOUT;
          }
          return;
        }
        this.held.delete(slot);
      } else if (local.requestRelease && a.requestRelease) {
        // Held by another request of this process: ask it to finish, like MemoryLocker.
        await local.requestRelease();
      }
      if (Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      if (!local && a.onContended && Date.now() - lastNudge >= 1000) {
        lastNudge = Date.now();
        a.onContended();
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  private async release(namespace: number, id: string): Promise<void> {
    const slot = `${namespace}:${id}`;
    const entry = this.held.get(slot);
    if (!entry) throw new Error('Releasing an unlocked lock!');
    this.held.delete(slot);
    // Taken on a session that has since died: PostgreSQL released it with the session.
    if (entry.generation !== this.generation || !this.session) return;
    await this.session
      .query('select pg_advisory_unlock($1::int, $2::int)', [namespace, lockKey(id)])
      .catch((err: unknown) => this.opts.onError?.(err));
  }

  private notifyHolder(id: string): void {
    void this.client()
      .then((c) => c.query('select pg_notify($1, $2)', [RELEASE_CHANNEL, id]))
      .catch((err: unknown) => this.opts.onError?.(err));
  }

  private client(): Promise<pg.Client> {
    if (this.session) return Promise.resolve(this.session);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      ...postgresClientConfig(this.url),
      application_name: 'kdumpfleet-collector-locks',
      keepAlive: true,
    });
    await client.connect();
    await client.query(`listen ${RELEASE_CHANNEL}`);
    client.on('notification', (n) => {
      if (n.channel !== RELEASE_CHANNEL || !n.payload) return;
      const entry = this.held.get(`${TUS_LOCKS}:${n.payload}`);
      if (entry?.requestRelease)
        void Promise.resolve(entry.requestRelease()).catch(() => undefined);
    });
    const lost = (err?: unknown) => {
      if (this.session !== client) return;
      this.session = null;
      this.generation++;
      if (err) this.opts.onError?.(err);
      // Every lock of this session is gone: the requests holding them must stop.
      for (const entry of this.held.values())
        if (entry.requestRelease)
          void Promise.resolve(entry.requestRelease()).catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.generation++;
    this.session = client;
    return client;
  }
}
