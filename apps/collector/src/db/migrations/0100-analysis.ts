import type { Kysely } from 'kysely';

// Analysis tables (job queue, per-dump analysis state, results, buckets). Same portability rules
// as 0001: varchar ids, ISO-8601 text times, bigint sizes, no JSON columns or SQLite-only types.
// Numbered 0100 so the ingest migrations (0001…0099) keep their own order.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('analysis_jobs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('dump_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('step', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'varchar(40)', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(128)')
    .addColumn('lease_expires_at', 'varchar(40)')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(40)')
    .execute();
  await db.schema
    .createIndex('analysis_jobs_ready')
    .on('analysis_jobs')
    .columns(['state', 'run_after'])
    .execute();
  await db.schema
    .createIndex('analysis_jobs_lease')
    .on('analysis_jobs')
    .columns(['state', 'lease_expires_at'])
    .execute();
  await db.schema
    .createIndex('analysis_jobs_dump')
    .on('analysis_jobs')
    .columns(['dump_id', 'step'])
    .execute();

  await db.schema
    .createTable('dump_analysis')
    .addColumn('dump_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('kernel_release', 'varchar(256)')
    .addColumn('build_id', 'varchar(128)')
    .addColumn('crash_time', 'varchar(40)')
    .addColumn('kind', 'varchar(32)')
    .addColumn('title', 'text')
    .addColumn('signature', 'varchar(128)')
    .addColumn('culprit_symbol', 'varchar(256)')
    .addColumn('culprit_module', 'varchar(256)')
    .addColumn('bucket_id', 'varchar(36)')
    .addColumn('tool', 'varchar(16)')
    .addColumn('debuginfo_path', 'text')
    .addColumn('debuginfo_via', 'varchar(32)')
    .addColumn('debuginfo_origin', 'text')
    .addColumn('debuginfo_build_id', 'varchar(128)')
    .addColumn('triage_started_at', 'varchar(40)')
    .addColumn('triage_finished_at', 'varchar(40)')
    .addColumn('triage_ms', 'integer')
    .addColumn('triage_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('analysis_started_at', 'varchar(40)')
    .addColumn('analysis_finished_at', 'varchar(40)')
    .addColumn('analysis_ms', 'integer')
    .addColumn('analysis_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dump_analysis_bucket')
    .on('dump_analysis')
    .column('bucket_id')
    .execute();
  await db.schema.createIndex('dump_analysis_state').on('dump_analysis').column('state').execute();

  await db.schema
    .createTable('analysis_results')
    .addColumn('dump_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('storage_key', 'varchar(512)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'varchar(128)', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('analysis_results_pk', ['dump_id', 'name'])
    .execute();

  await db.schema
    .createTable('buckets')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('signature', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('culprit_symbol', 'varchar(256)')
    .addColumn('culprit_module', 'varchar(256)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('buckets').execute();
  await db.schema.dropTable('analysis_results').execute();
  await db.schema.dropTable('dump_analysis').execute();
  await db.schema.dropTable('analysis_jobs').execute();
}
