import { Readable } from 'node:stream';
import type { AnalysisResult } from '@kdumpfleet/contracts';
import type { CollectorObjectStore } from '../../storage/object-store.js';
import type { AnalysisDb } from '../db/analysis-schema.js';

/** Result names are file-like: letters, digits, `.`, `_`, `-`; no paths. */
export const RESULT_NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

export function resultObjectKey(dumpId: string, name: string): string {
  return `results/${dumpId}/${name}`;
}

export function contentTypeOf(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  return 'text/plain; charset=utf-8';
}

/** Named results of a dump's analysis: bytes in the object store, a row each in the database. */
export class AnalysisResults {
  constructor(
    private readonly db: AnalysisDb,
    private readonly store: CollectorObjectStore,
  ) {}

  async put(
    dumpId: string,
    name: string,
    body: Buffer | string,
    opts: { truncated?: boolean } = {},
  ): Promise<void> {
    if (!RESULT_NAME.test(name)) throw new Error(`bad result name ${JSON.stringify(name)}`);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const key = resultObjectKey(dumpId, name);
    await this.store.write(key, Readable.from([bytes]));
    const row = {
      storage_key: key,
      size: bytes.length,
      content_type: contentTypeOf(name),
      truncated: opts.truncated ? 1 : 0,
      created_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('analysis_results')
      .values({ dump_id: dumpId, name, ...row })
      .onConflict((oc) => oc.columns(['dump_id', 'name']).doUpdateSet(row))
      .execute();
  }

  async list(dumpId: string): Promise<AnalysisResult[]> {
    const rows = await this.db
      .selectFrom('analysis_results')
      .selectAll()
      .where('dump_id', '=', dumpId)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      size: Number(r.size),
      contentType: r.content_type,
      truncated: Number(r.truncated) === 1,
      createdAt: r.created_at,
    }));
  }

  async find(dumpId: string, name: string) {
    return (
      (await this.db
        .selectFrom('analysis_results')
        .selectAll()
        .where('dump_id', '=', dumpId)
        .where('name', '=', name)
        .executeTakeFirst()) ?? null
    );
  }

  async open(storageKey: string): Promise<Readable> {
    return this.store.readRange(storageKey);
  }

  /** Deletes every stored result object of a dump (rows go with the analysis row). */
  async deleteObjects(dumpId: string): Promise<void> {
    for (const r of await this.list(dumpId))
      await this.store.delete(resultObjectKey(dumpId, r.name));
  }
}
