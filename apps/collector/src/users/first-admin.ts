import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { UsersRepository } from './db/users.repository.js';
import type { UsersConfig } from './users-config.js';

/**
 * On the first start (no users at all) creates the admin: INITIAL_ADMIN_USER (default `admin`)
 * with INITIAL_ADMIN_PASSWORD, or a generated password printed once on stdout — it is never
 * stored in clear or printed again.
 */
export async function ensureFirstAdmin(
  users: UsersRepository,
  config: UsersConfig,
  logger: Logger,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<{ created: boolean; username: string; password: string | null }> {
  if ((await users.count()) > 0) return { created: false, username: '', password: null };
  const generated = config.initialAdminPassword === null;
  const password = config.initialAdminPassword ?? randomBytes(15).toString('base64url');
  let user;
  try {
    user = await users.create(config.initialAdminUser, password, 'admin');
  } catch (err) {
    // Several instances started at once on one database: another created the admin first.
    if ((await users.count()) > 0) return { created: false, username: '', password: null };
    throw err;
  }
  logger.info({ username: user.username, generated }, 'created the first portal admin');
  if (generated) {
    print(
      `kdumpfleet-collector: created portal admin '${user.username}' (printed once, change it after signing in)\n` +
        `  PORTAL_ADMIN_PASSWORD=${password}`,
    );
  }
  return { created: true, username: user.username, password: generated ? password : null };
}
