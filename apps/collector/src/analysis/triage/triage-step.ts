import type { TriageResult } from '@kdumpfleet/contracts';
import { triageVmcoreDetailed, type TriageOutcome } from '@kdumpfleet/triage';
import { FileSource, VmcoreContainerError, VmcoreFormatError } from '@kdumpfleet/vmcore';
import { SeekableFormatError } from '@kdumpfleet/szstd';
import type { Logger } from 'pino';
import type { DumpsRepository } from '../../dumps/dumps.repository.js';
import type { CollectorObjectStore } from '../../storage/object-store.js';
import type { BucketsRepository } from '../buckets/buckets.repository.js';
import type { DumpAnalysisRepository } from '../db/dump-analysis.repository.js';
import { AnalysisStepError } from '../queue/analysis-job.js';
import type { AnalysisResults } from '../results/analysis-results.js';
import { materializeDump } from './materialize-dump.js';
import { openStoredDump, type StoreReadCounter } from './object-byte-source.js';

export interface TriageStepOutcome {
  result: TriageResult;
  /** bytes fetched from the object store (compressed bytes for zstd objects) */
  storeBytesRead: number;
  /** false when the kernel log could not be read: triage-failed, no deep analysis */
  complete: boolean;
}

/** Errors that mean "these bytes are not a readable dump": retrying cannot help. */
function isBadDump(e: unknown): boolean {
  return (
    e instanceof VmcoreFormatError ||
    e instanceof VmcoreContainerError ||
    e instanceof SeekableFormatError ||
    (e instanceof Error && /zstd|decompress/i.test(e.message) && !/ENOSPC|EIO/.test(e.message))
  );
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || 'unknown error';
}

/**
 * Triage of a stored dump (libs/triage: no debuginfo): read in place through ranged reads —
 * seekable zstd through its seek table — and only for a plain zstd stream (no seek table)
 * inflated to a temp file first. Stores `triage.json` and `dmesg.txt`, fills the dump's
 * analysis fields and puts it in its signature's bucket.
 */
export class TriageStep {
  constructor(
    private readonly store: CollectorObjectStore,
    private readonly dumps: DumpsRepository,
    private readonly analysis: DumpAnalysisRepository,
    private readonly results: AnalysisResults,
    private readonly buckets: BucketsRepository,
    private readonly tmpDir: string,
    private readonly log: Logger,
  ) {}

  async run(dumpId: string, signal: AbortSignal): Promise<TriageStepOutcome> {
    const dump = await this.dumps.byId(dumpId);
    if (!dump) throw new AnalysisStepError('DUMP_GONE', `dump ${dumpId} no longer exists`, true);
    if (dump.state !== 'received' || dump.storageKey === null)
      throw new AnalysisStepError('NOT_RECEIVED', `dump ${dumpId} is ${dump.state}`, true);

    const counter: StoreReadCounter = { bytes: 0, requests: 0 };
    let outcome: TriageOutcome;
    try {
      outcome = await this.triageInPlace(dump.storageKey, dump.size, counter);
    } catch (e) {
      if (!(e instanceof VmcoreContainerError && e.code === 'NEEDS_DECOMPRESSION')) {
        throw new AnalysisStepError(
          isBadDump(e) ? 'UNREADABLE_DUMP' : 'TRIAGE_ERROR',
          `cannot read the dump: ${oneLine(e)}`,
          isBadDump(e),
        );
      }
      signal.throwIfAborted();
      outcome = await this.triageDecompressed(dump.storageKey, dump.size, counter, signal);
    }
    signal.throwIfAborted();

    const r = outcome.result;
    await this.results.put(dumpId, 'triage.json', `${JSON.stringify(r, null, 2)}\n`);
    if (outcome.kernelLog !== null)
      await this.results.put(dumpId, 'dmesg.txt', Buffer.from(outcome.kernelLog, 'latin1'));

    // what triage cost the object store: the benchmark compares it with the object's size
    await this.results.put(
      dumpId,
      'triage-io.json',
      `${JSON.stringify({ objectSize: dump.size, storeBytesRead: counter.bytes, storeRequests: counter.requests, triageMs: r.timings.ms })}\n`,
    );
    const bucketId =
      r.signature && r.oops
        ? await this.buckets.assign({
            signature: r.signature,
            title: r.oops.title,
            kind: r.oops.kind,
            culprit: r.oops.culprit,
          })
        : null;
    await this.analysis.update(dumpId, {
      kernel_release: r.kernel.release,
      build_id: r.kernel.buildId,
      crash_time: r.crashTime,
      kind: r.oops?.kind ?? null,
      title: r.oops?.title ?? (r.panic.message ? `panic: ${r.panic.message}` : null),
      signature: r.signature,
      culprit_symbol: r.oops?.culprit?.symbol ?? null,
      culprit_module: r.oops?.culprit?.module ?? null,
      bucket_id: bucketId,
    });
    this.log.info(
      {
        dumpId,
        kind: r.oops?.kind ?? null,
        signature: r.signature,
        ms: Math.round(r.timings.ms),
        storeBytesRead: counter.bytes,
        storeRequests: counter.requests,
        size: dump.size,
      },
      'dump triaged',
    );
    if (outcome.logError) {
      throw new AnalysisStepError(
        'LOG_UNREADABLE',
        `kernel log not readable: ${oneLine(outcome.logError)}`,
        true,
      );
    }
    return { result: r, storeBytesRead: counter.bytes, complete: true };
  }

  private async triageInPlace(
    key: string,
    size: number,
    counter: StoreReadCounter,
  ): Promise<TriageOutcome> {
    const opened = await openStoredDump(this.store, key, size, counter);
    try {
      return await triageVmcoreDetailed(
        opened.source,
        opened.containerHint ? { containerHint: opened.containerHint } : {},
      );
    } finally {
      await opened.source.close().catch(() => undefined);
    }
  }

  private async triageDecompressed(
    key: string,
    size: number,
    counter: StoreReadCounter,
    signal: AbortSignal,
  ): Promise<TriageOutcome> {
    let local;
    try {
      local = await materializeDump(this.store, key, this.tmpDir, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      throw new AnalysisStepError(
        'UNREADABLE_DUMP',
        `cannot inflate the zstd dump: ${oneLine(e)}`,
        true,
      );
    }
    counter.bytes += size;
    counter.requests++;
    try {
      const file = await FileSource.open(local.path);
      try {
        return await triageVmcoreDetailed(file, { containerHint: 'zstd', bytesReadBefore: size });
      } catch (e) {
        throw new AnalysisStepError(
          isBadDump(e) ? 'UNREADABLE_DUMP' : 'TRIAGE_ERROR',
          `cannot read the dump: ${oneLine(e)}`,
          isBadDump(e),
        );
      } finally {
        await file.close().catch(() => undefined);
      }
    } finally {
      await local.remove();
    }
  }
}
