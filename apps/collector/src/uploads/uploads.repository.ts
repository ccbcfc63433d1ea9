import type { Selectable } from 'kysely';
import type { CollectorDb } from '../db/database.js';
import type { UploadsTable } from '../db/schema.js';

/** `receiving` until bytes are complete; then `finished` (a dump record exists) or `failed`. */
export type UploadState = 'receiving' | 'finished' | 'failed';
export type UploadRow = Selectable<UploadsTable>;

export class UploadsRepository {
  constructor(private readonly db: CollectorDb) {}

  async create(
    row: Omit<UploadsTable, 'state' | 'dump_id' | 'created_at' | 'updated_at'>,
    now: string,
  ): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({ ...row, state: 'receiving', dump_id: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async byId(id: string): Promise<UploadRow | null> {
    return (
      (await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst()) ??
      null
    );
  }

  async inState(state: UploadState): Promise<UploadRow[]> {
    return this.db.selectFrom('uploads').selectAll().where('state', '=', state).execute();
  }

  async finishedBefore(iso: string): Promise<UploadRow[]> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('state', 'in', ['finished', 'failed'])
      .where('updated_at', '<', iso)
      .execute();
  }

  async receivingBefore(iso: string): Promise<UploadRow[]> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('state', '=', 'receiving')
      .where('created_at', '<', iso)
      .execute();
  }

  async setState(
    id: string,
    state: UploadState | 'purged',
    dumpId: string | null,
    now: string,
  ): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ state, dump_id: dumpId, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }
}
