import { rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import type { FoundDump } from '../discovery/find-dumps.js';
import { CollectorError } from './collector-errors.js';
import { spoolCompressed, type SpoolFile } from './spool-dump.js';
import { sendWithTus } from './tus-upload.js';
import { ledgerKey, type DumpLedgerEntry, type UploadLedger } from './upload-ledger.js';

export interface UploadDumpOptions {
  collectorUrl: string;
  token: string;
  deleteAfterUpload: boolean;
  onPhase?: (phase: 'compress' | 'upload', done: number, total: number) => void;
  retryDelays?: number[];
}

export interface UploadDumpResult {
  file: string;
  dumpId: string;
  sha256: string;
  uploadedBytes: number;
  sourceBytes: number;
  resumedFrom: number;
  reusedSpool: boolean;
  deleted: boolean;
  compressMs: number;
  uploadMs: number;
}

export class UploadRefusedError extends Error {
  readonly code = 'NOT_UPLOADABLE';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: not uploaded: ${reason}`);
  }
}

/**
 * One dump to the collector: spool (or reuse the spool of an interrupted run), tus upload
 * (resuming the recorded URL), then — only once the collector returned a dump record for the
 * sha256 the agent declared — mark it uploaded in the ledger, drop the spool, and delete the
 * dump if asked. On any failure the dump stays where it is, untouched.
 */
export async function uploadDump(
  dump: FoundDump,
  config: AgentConfig,
  ledger: UploadLedger,
  opts: UploadDumpOptions,
): Promise<UploadDumpResult> {
  if (dump.state === 'uploaded' && dump.dumpId)
    throw new UploadRefusedError(dump.file ?? dump.dir, `already uploaded (dump ${dump.dumpId})`);
  if (dump.state !== 'complete' || !dump.file)
    throw new UploadRefusedError(
      dump.file ?? dump.dir,
      `${dump.state}: ${dump.reason ?? 'no dump file'}`,
    );
  const file = dump.file;
  const st = await stat(file);
  let entry: DumpLedgerEntry = ledger.get(file) ?? {
    path: file,
    size: st.size,
    mtimeMs: st.mtimeMs,
  };
  if (entry.size !== st.size || entry.mtimeMs !== st.mtimeMs) {
    // The file changed since the spool was made: start over.
    if (entry.spool) await rm(entry.spool.path, { force: true });
    entry = { path: file, size: st.size, mtimeMs: st.mtimeMs };
  }
  let reusedSpool = false;
  const t0 = Date.now();
  let spool: SpoolFile | null = entry.spool ?? null;
  if (spool && (await sizeOf(spool.path)) === spool.size) reusedSpool = true;
  else {
    entry = { path: file, size: st.size, mtimeMs: st.mtimeMs };
    // Always the file's own bytes, seekable-zstd-compressed, even for a `.zst` dump: the
    // collector gets back exactly the file that was on the host.
    spool = await spoolCompressed(file, {
      spoolDir: join(config.stateDir, 'spool'),
      name: ledgerKey(file),
      frameSize: config.frameSize,
      level: config.compressionLevel,
      threads: config.compressionThreads,
      minFreeBytes: config.minFreeSpaceBytes,
      onProgress: (n) => opts.onPhase?.('compress', n, st.size),
    });
    entry.spool = spool;
    ledger.put(entry);
  }
  const compressMs = Date.now() - t0;
  const t1 = Date.now();
  const spoolNow = spool;
  let sent;
  try {
    sent = await sendWithTus({
      collectorUrl: opts.collectorUrl,
      token: opts.token,
      node: config.node,
      spool: spoolNow,
      filename: uploadName(file),
      capturedAt: dump.capturedAt,
      chunkSize: config.chunkSize,
      resumeUrl: entry.collectorUrl === opts.collectorUrl ? (entry.uploadUrl ?? null) : null,
      retryDelays: opts.retryDelays,
      onUploadUrl: (url) => {
        if (url) {
          entry.uploadUrl = url;
          entry.collectorUrl = opts.collectorUrl;
        } else {
          delete entry.uploadUrl;
        }
        ledger.put(entry);
      },
      onProgress: (n, total) => opts.onPhase?.('upload', n, total),
    });
  } catch (err) {
    if (err instanceof CollectorError && err.code === 'SHA256_MISMATCH') {
      // The collector saw other bytes than the spool's hash: make a fresh spool next time.
      await rm(spoolNow.path, { force: true });
      delete entry.spool;
      delete entry.uploadUrl;
      ledger.put(entry);
    }
    throw err;
  }
  entry.uploaded = {
    dumpId: sent.dumpId,
    sha256: spoolNow.sha256,
    at: new Date().toISOString(),
    collectorUrl: opts.collectorUrl,
  };
  delete entry.uploadUrl;
  ledger.put(entry);
  await rm(spoolNow.path, { force: true });
  let deleted = false;
  if (opts.deleteAfterUpload) {
    await rm(dirname(file), { recursive: true, force: true });
    entry.deletedAt = new Date().toISOString();
    ledger.put(entry);
    deleted = true;
  }
  return {
    file,
    dumpId: sent.dumpId,
    sha256: spoolNow.sha256,
    uploadedBytes: spoolNow.size,
    sourceBytes: st.size,
    resumedFrom: sent.resumedFrom,
    reusedSpool,
    deleted,
    compressMs,
    uploadMs: Date.now() - t1,
  };
}

/** `<stamp>-<dump file>.zst`: unique per host, says what it is. */
function uploadName(file: string): string {
  return `${basename(dirname(file))}-${basename(file)}.zst`;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
