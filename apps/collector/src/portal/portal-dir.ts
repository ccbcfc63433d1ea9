import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** PORTAL_DIR, else apps/portal/dist next to this app (apps/collector/dist/portal/ → ../../../portal/dist). */
export function portalDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PORTAL_DIR?.trim();
  if (configured) return resolve(configured);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'portal', 'dist');
}
