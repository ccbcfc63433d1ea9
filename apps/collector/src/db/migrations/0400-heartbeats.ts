import type { Kysely } from 'kysely';

// Watch heartbeats (apps/collector/src/nodes/heartbeat*): the newest heartbeat per node, and when
// its current verdict began. Same portability rules as 0001: ISO-8601 text times, JSON as text.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('node_heartbeats')
    .addColumn('node', 'varchar(253)', (c) => c.primaryKey())
    .addColumn('received_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('verdict', 'varchar(16)', (c) => c.notNull())
    .addColumn('since', 'varchar(40)', (c) => c.notNull())
    .addColumn('stuck', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('node_heartbeats').execute();
}
