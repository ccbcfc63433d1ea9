import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { byteSizeSchema, durationMsSchema } from '@kdumpfleet/contracts';
import { parseTrustProxy, TrustProxyError, type TrustProxy } from './trust-proxy.js';

/** Raised when an environment variable is missing or malformed; `field` names the variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

const tokenList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  )
  .refine(
    (list) => list.every((t) => t.length >= 16),
    'every token must be at least 16 characters',
  );

const optionalText = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

/**
 * Every environment variable the collector reads. Keep in sync with the table in README.md.
 * Values are strings as they come from the environment; transforms give them types.
 */
const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./var'),
  TMPDIR: z.string().min(1).optional(),
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: optionalText,
  S3_ACCESS_KEY: optionalText,
  S3_SECRET_KEY: optionalText,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_PART_SIZE: byteSizeSchema.default(64 * 1024 * 1024),
  UPLOAD_TOKENS: tokenList.optional(),
  ADMIN_TOKEN: optionalText.refine(
    (t) => t === undefined || t.length >= 16,
    'must be at least 16 characters',
  ),
  UPLOAD_EXPIRY: durationMsSchema.default(24 * 3_600_000),
  UPLOAD_CLEANUP_INTERVAL: durationMsSchema.default(15 * 60_000),
  MAX_DUMP_SIZE: byteSizeSchema.default(256 * 1024 ** 3),
  MIN_FREE_DATA: byteSizeSchema.default(1024 ** 3),
  MIN_FREE_TMP: byteSizeSchema.default(256 * 1024 ** 2),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE: durationMsSchema.default(10_000),
  VERIFY_REREAD: z.enum(['true', 'false', '1', '0']).default('false'),
  DATABASE_URL: optionalText,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  TRUST_PROXY: optionalText,
});

export interface S3Config {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
  partSize: number;
}

/** PostgreSQL when DATABASE_URL is set; otherwise SQLite in DATA_DIR/collector.sqlite. */
export type DatabaseConfig =
  { kind: 'sqlite' } | { kind: 'postgres'; url: string; poolMax: number };

/** Accepts postgres:// and postgresql:// URLs with a host and a database name. */
function parseDatabaseUrl(raw: string, poolMax: number): DatabaseConfig {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'not a URL (expected postgres://user:password@host:5432/db)',
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new ConfigError(
      'DATABASE_URL',
      `scheme ${u.protocol.replace(/:$/, '')} is not supported (postgres:// or unset for SQLite)`,
    );
  // A unix socket may be given as ?host=/run/postgresql with an empty host part.
  if (u.hostname === '' && !u.searchParams.get('host'))
    throw new ConfigError('DATABASE_URL', 'has no host');
  if (u.pathname.replace(/^\//, '') === '')
    throw new ConfigError('DATABASE_URL', 'has no database name (postgres://…/dbname)');
  return { kind: 'postgres', url: raw, poolMax };
}

export interface CollectorConfig {
  port: number;
  host: string;
  dataDir: string;
  tmpDir: string;
  storage: 'fs' | 's3';
  s3: S3Config | null;
  /** Empty until tokens are resolved (configured or generated, see tokens.ts). */
  uploadTokens: string[];
  adminToken: string | null;
  uploadExpiryMs: number;
  uploadCleanupIntervalMs: number;
  maxDumpSize: number;
  minFreeDataBytes: number;
  minFreeTmpBytes: number;
  logLevel: string;
  shutdownGraceMs: number;
  /** Always verify by reading the stored object back, never by the hash taken on arrival. */
  verifyReread: boolean;
  database: DatabaseConfig;
  /** Peers whose X-Forwarded-For names the client (Express `trust proxy`); false: none. */
  trustProxy: TrustProxy;
}

/** Validates the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  ) as Record<string, string>;
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  let s3: S3Config | null = null;
  if (e.STORAGE === 's3') {
    for (const name of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
      if (!e[name]) throw new ConfigError(name, 'required when STORAGE=s3');
    }
    s3 = {
      endpoint: e.S3_ENDPOINT!,
      bucket: e.S3_BUCKET!,
      accessKey: e.S3_ACCESS_KEY!,
      secretKey: e.S3_SECRET_KEY!,
      region: e.S3_REGION,
      partSize: e.S3_PART_SIZE,
    };
    if (s3.partSize < 5 * 1024 * 1024) throw new ConfigError('S3_PART_SIZE', 'must be ≥ 5MiB');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    tmpDir: resolve(e.TMPDIR ?? tmpdir()),
    storage: e.STORAGE,
    s3,
    uploadTokens: e.UPLOAD_TOKENS ?? [],
    adminToken: e.ADMIN_TOKEN ?? null,
    uploadExpiryMs: e.UPLOAD_EXPIRY,
    uploadCleanupIntervalMs: e.UPLOAD_CLEANUP_INTERVAL,
    maxDumpSize: e.MAX_DUMP_SIZE,
    minFreeDataBytes: e.MIN_FREE_DATA,
    minFreeTmpBytes: e.MIN_FREE_TMP,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    verifyReread: e.VERIFY_REREAD === 'true' || e.VERIFY_REREAD === '1',
    database: e.DATABASE_URL
      ? parseDatabaseUrl(e.DATABASE_URL, e.DATABASE_POOL_MAX)
      : { kind: 'sqlite' },
    trustProxy: trustProxyOf(e.TRUST_PROXY),
  };
}

function trustProxyOf(raw: string | undefined): TrustProxy {
  try {
    return parseTrustProxy(raw);
  } catch (err) {
    if (err instanceof TrustProxyError) throw new ConfigError('TRUST_PROXY', err.message);
    throw err;
  }
}
