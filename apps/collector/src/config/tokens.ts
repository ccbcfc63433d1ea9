import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, type CollectorConfig } from './environment.js';

const tokenFileSchema = z.object({
  uploadTokens: z.array(z.string().min(16)).min(1),
  adminToken: z.string().min(16),
});

export const TOKENS_FILE = 'tokens.json';

export interface ResolvedTokens {
  uploadTokens: string[];
  adminToken: string;
  /** Set only on the start that generated them: the caller prints them once. */
  generated: boolean;
  file: string | null;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens from UPLOAD_TOKENS / ADMIN_TOKEN win. Whatever is not configured comes from
 * DATA_DIR/tokens.json, created (mode 0600) with fresh random tokens on the first start, so a
 * plain `npm start` is never an open door.
 */
export function resolveTokens(config: CollectorConfig): ResolvedTokens {
  if (config.uploadTokens.length > 0 && config.adminToken) {
    return {
      uploadTokens: config.uploadTokens,
      adminToken: config.adminToken,
      generated: false,
      file: null,
    };
  }
  const file = join(config.dataDir, TOKENS_FILE);
  let stored: z.infer<typeof tokenFileSchema>;
  let generated = false;
  if (existsSync(file)) {
    const parsed = tokenFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new ConfigError(file, 'token file is malformed; delete it to regenerate');
    stored = parsed.data;
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    stored = { uploadTokens: [newToken()], adminToken: newToken() };
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    generated = true;
  }
  return {
    uploadTokens: config.uploadTokens.length > 0 ? config.uploadTokens : stored.uploadTokens,
    adminToken: config.adminToken ?? stored.adminToken,
    generated,
    file,
  };
}
