import { resolve } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import { findDumps, type FoundDump } from '../discovery/find-dumps.js';
import { progressLine } from './progress-line.js';
import { acquireUploadLock } from './upload-lock.js';
import { uploadDump, type UploadDumpResult } from './upload-dump.js';
import { UploadLedger } from './upload-ledger.js';

export interface PendingOutcome {
  uploaded: UploadDumpResult[];
  failed: { file: string; error: string; code: string }[];
  /** Incomplete and invalid dumps: listed, never uploaded. */
  notUploadable: { path: string; state: string; reason: string }[];
  alreadyUploaded: number;
}

export interface PendingOptions {
  collectorUrl: string;
  token: string;
  deleteAfterUpload: boolean;
  /** Only these dump files or stamp directories (absolute or relative paths). */
  only?: string[];
  progress: boolean;
  retryDelays?: number[];
}

/** Finds the dumps and uploads every complete one not yet confirmed, one after another. */
export async function uploadPending(
  config: AgentConfig,
  opts: PendingOptions,
): Promise<PendingOutcome> {
  const ledger = new UploadLedger(config.stateDir);
  const only = opts.only?.map((p) => resolve(p));
  const roots = only ? [...new Set(only.map((p) => parentRoot(p)))] : config.dumpDirs;
  const { dumps } = await findDumps(roots, ledger);
  const chosen = only ? dumps.filter((d) => only.some((p) => p === d.dir || p === d.file)) : dumps;
  const out: PendingOutcome = { uploaded: [], failed: [], notUploadable: [], alreadyUploaded: 0 };
  if (only) {
    for (const p of only)
      if (!chosen.some((d) => p === d.dir || p === d.file))
        out.failed.push({
          file: p,
          error: `${p}: no dump of a known layout there`,
          code: 'NOT_FOUND',
        });
  }
  const release = acquireUploadLock(config.stateDir);
  try {
    for (const d of chosen) {
      if (d.state === 'uploaded') {
        out.alreadyUploaded++;
        continue;
      }
      if (d.state !== 'complete') {
        out.notUploadable.push({ path: d.file ?? d.dir, state: d.state, reason: d.reason ?? '' });
        continue;
      }
      await uploadOne(d, config, ledger, opts, out);
    }
  } finally {
    release();
  }
  return out;
}

async function uploadOne(
  d: FoundDump,
  config: AgentConfig,
  ledger: UploadLedger,
  opts: PendingOptions,
  out: PendingOutcome,
): Promise<void> {
  const compress = progressLine(opts.progress, 'compress');
  const send = progressLine(opts.progress, 'upload  ');
  let phase: 'compress' | 'upload' | null = null;
  try {
    out.uploaded.push(
      await uploadDump(d, config, ledger, {
        collectorUrl: opts.collectorUrl,
        token: opts.token,
        deleteAfterUpload: opts.deleteAfterUpload,
        retryDelays: opts.retryDelays,
        onPhase: (p, done, total) => {
          if (phase !== p && phase === 'compress') compress.end();
          phase = p;
          (p === 'compress' ? compress : send).update(done, total);
        },
      }),
    );
  } catch (err) {
    const e = err as Error & { code?: string };
    out.failed.push({ file: d.file ?? d.dir, error: e.message, code: e.code ?? 'ERROR' });
  } finally {
    if (phase) (phase === 'compress' ? compress : send).end();
  }
}

/** `/var/crash/<stamp>/dump.x` → `/var/crash`; `/var/crash/<stamp>` → `/var/crash`. */
function parentRoot(p: string): string {
  const parts = p.split('/');
  const looksLikeFile = /^(dump\.|vmcore)/.test(parts[parts.length - 1] ?? '');
  return parts.slice(0, looksLikeFile ? -2 : -1).join('/') || '/';
}
