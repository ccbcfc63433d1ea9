import type { Kysely } from 'kysely';

// Failed sign-in / enrollment windows (src/users/login/login-rate-limit.ts), in the database so
// every collector instance behind a load balancer counts the same failures. The key is a sha256
// of scope + address + user name: bounded length, and no addresses or names at rest.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_throttle_reset')
    .on('login_throttle')
    .column('reset_at')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('login_throttle').execute();
}
