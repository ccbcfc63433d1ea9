import type { Kysely } from 'kysely';

// Node readiness reports and drills (apps/collector/src/nodes). Same portability rules as 0001:
// varchar ids, ISO-8601 text times, the report kept as text (no JSON column type).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('node_reports')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('node', 'varchar(253)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('snapshot_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('ready', 'integer', (c) => c.notNull())
    .addColumn('verdict', 'varchar(16)', (c) => c.notNull())
    .addColumn('findings_count', 'integer', (c) => c.notNull())
    .addColumn('errors_count', 'integer', (c) => c.notNull())
    .addColumn('warnings_count', 'integer', (c) => c.notNull())
    .addColumn('kernel_release', 'varchar(256)')
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('node_reports_node_received')
    .on('node_reports')
    .columns(['node', 'received_at'])
    .execute();
  await db.schema
    .createTable('node_drills')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('node', 'varchar(253)', (c) => c.notNull())
    .addColumn('scenario', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('deadline_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('dump_id', 'varchar(36)')
    .addColumn('finished_at', 'varchar(40)')
    .execute();
  await db.schema
    .createIndex('node_drills_node_created')
    .on('node_drills')
    .columns(['node', 'created_at'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('node_drills').execute();
  await db.schema.dropTable('node_reports').execute();
}
