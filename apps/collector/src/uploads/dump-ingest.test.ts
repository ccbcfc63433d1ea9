import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { FsObjectStore } from '@kdumpfleet/storage';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseDialects } from '../../../../test/pg/dialects.js';
import type { CollectorDb } from '../db/database.js';
import { DumpsRepository } from '../dumps/dumps.repository.js';
import { CollectorMetrics } from '../metrics/collector-metrics.js';
import { DumpIngest } from './dump-ingest.js';
import { PostgresLocker } from './locking/postgres-locker.js';
import { fsUploadArea } from './upload-area.js';
import { UploadsRepository } from './uploads.repository.js';

// Two collector instances finishing the same upload at once (the start-up janitor of one and the
// last PATCH on the other): one dump record, counted and queued once. On PostgreSQL the finish
// lock makes them take turns; on SQLite the unique upload_id alone decides.
describe.each(databaseDialects('concurrent finish'))(
  'finishing one upload twice on %s',
  (name, make, skip) => {
    const dbs = make();
    const dir = mkdtempSync(join(tmpdir(), 'kdf-finish-'));
    const uploadsDir = join(dir, 'uploads');
    const dbList: CollectorDb[] = [];
    const lockers: PostgresLocker[] = [];

    beforeAll(async () => {
      if (skip) return;
      mkdirSync(uploadsDir, { recursive: true });
      dbList.push(await dbs.open(), await dbs.again());
    }, 60_000);
    afterAll(async () => {
      for (const l of lockers) await l.close();
      for (const d of dbList) await d.destroy();
      if (!skip) await dbs.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(skip)('yields one record, counted and queued once', async () => {
      const bytes = randomBytes(3 * 1024 * 1024);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const id = '0123456789abcdef0123456789abcdef';
      writeFileSync(join(uploadsDir, id), bytes);
      const store = new FsObjectStore(join(dir, 'objects'));
      const datastore = new FileStore({ directory: uploadsDir });
      const received: string[] = [];
      const instances = dbList.map((db) => {
        const dumps = new DumpsRepository(db);
        const uploads = new UploadsRepository(db);
        const metrics = new CollectorMetrics(dumps);
        let lock: PostgresLocker | null = null;
        if (name === 'postgres') {
          lock = new PostgresLocker(dbs.url()!);
          lockers.push(lock);
        }
        const ingest = new DumpIngest(
          dumps,
          uploads,
          fsUploadArea(uploadsDir, datastore, store),
          store,
          metrics,
          pino({ level: 'silent' }),
          null,
          lock,
        );
        ingest.onReceived = async (d) => {
          received.push(d.id);
        };
        return { ingest, uploads, metrics };
      });
      await instances[0]!.uploads.create(
        {
          id,
          node: 'web-01',
          filename: 'vmcore',
          declared_size: bytes.length,
          declared_sha256: sha,
          encoding: 'none',
          kernel_release: null,
          captured_at: null,
        },
        new Date().toISOString(),
      );
      const [a, b] = await Promise.all(instances.map((i) => i.ingest.finish(id)));
      expect(a!.id).toBe(b!.id);
      expect(a).toMatchObject({ state: 'received', sha256: sha, size: bytes.length });
      const rows = await dbList[0]!
        .selectFrom('dumps')
        .select('id')
        .where('upload_id', '=', id)
        .execute();
      expect(rows).toHaveLength(1);
      expect(received).toEqual([a!.id]);
      let finished = 0;
      for (const i of instances)
        finished += (await i.metrics.uploadsFinished.get()).values.reduce((n, v) => n + v.value, 0);
      expect(finished).toBe(1);
    });
  },
);
