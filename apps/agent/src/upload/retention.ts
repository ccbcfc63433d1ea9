import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { UploadLedger } from './upload-ledger.js';

/**
 * Deletes the directories of dumps the collector confirmed more than `retentionMs` ago. Only
 * ledger entries with a dump record id qualify: an unconfirmed dump is never deleted.
 */
export async function applyRetention(
  ledger: UploadLedger,
  retentionMs: number,
  now = Date.now(),
): Promise<string[]> {
  const deleted: string[] = [];
  for (const e of ledger.all()) {
    if (!e.uploaded || e.deletedAt) continue;
    if (now - Date.parse(e.uploaded.at) < retentionMs) continue;
    await rm(dirname(e.path), { recursive: true, force: true });
    ledger.put({ ...e, deletedAt: new Date(now).toISOString() });
    deleted.push(e.path);
  }
  return deleted;
}
