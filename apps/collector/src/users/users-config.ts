import { durationMsSchema } from '@kdumpfleet/contracts';
import { z } from 'zod';
import { ConfigError } from '../config/environment.js';

/** Environment of the users module and the portal (see the collector README's table). */
const usersEnvironmentSchema = z.object({
  INITIAL_ADMIN_USER: z
    .string()
    .regex(/^[a-z][a-z0-9._-]{0,63}$/i, 'a user name: letters, digits, . _ -')
    .default('admin'),
  INITIAL_ADMIN_PASSWORD: z.string().min(10, 'at least 10 characters').optional(),
  SESSION_MAX_AGE: durationMsSchema.default(12 * 3_600_000),
  SESSION_IDLE: durationMsSchema.default(2 * 3_600_000),
  LOGIN_RATE_WINDOW: durationMsSchema.default(15 * 60_000),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
});

export interface UsersConfig {
  initialAdminUser: string;
  initialAdminPassword: string | null;
  sessionMaxAgeMs: number;
  sessionIdleMs: number;
  loginRateWindowMs: number;
  loginMaxFailures: number;
  loginMaxFailuresPerAddress: number;
}

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env): UsersConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  ) as Record<string, string>;
  const parsed = usersEnvironmentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  return {
    initialAdminUser: e.INITIAL_ADMIN_USER.toLowerCase(),
    initialAdminPassword: e.INITIAL_ADMIN_PASSWORD ?? null,
    sessionMaxAgeMs: e.SESSION_MAX_AGE,
    sessionIdleMs: e.SESSION_IDLE,
    loginRateWindowMs: e.LOGIN_RATE_WINDOW,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
  };
}
