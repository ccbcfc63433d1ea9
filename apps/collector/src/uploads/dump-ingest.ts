import { randomUUID } from 'node:crypto';
import type { DumpRecord } from '@kdumpfleet/contracts';
import type { Logger } from 'pino';
import type { DumpsRepository } from '../dumps/dumps.repository.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { dumpObjectKey, type CollectorObjectStore } from '../storage/object-store.js';
import { sha256OfStream } from './sha256-of-stream.js';
import type { ArrivalDigests } from './arrival-digest.js';
import type { FinishLock } from './locking/upload-locker.js';
import type { UploadArea } from './upload-area.js';
import type { UploadRow, UploadsRepository } from './uploads.repository.js';

interface Verified {
  size: number;
  sha256: string;
  /** `arrival` (hash taken while writing) or `reread` */
  how: string;
  /** why the bytes are bad, or null */
  reason: string | null;
  storageKey: string | null;
}

export class UnknownUploadError extends Error {
  readonly code = 'UPLOAD_UNKNOWN';
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} has no record (created by another collector or purged)`);
    this.name = 'UnknownUploadError';
  }
}

/**
 * Turns a complete tus upload into exactly one dump record: hash the stored bytes once, compare
 * with what the host declared, store good bytes under their sha256 (once, however many dumps
 * share them), record, then drop the upload. Every step can be repeated after a crash or a
 * retried final PATCH and ends in the same single record.
 */
export class DumpIngest {
  private readonly inFlight = new Map<string, Promise<DumpRecord>>();
  /** Called once per newly verified dump: the analysis module queues its triage here. */
  onReceived: ((dump: DumpRecord) => Promise<void>) | null = null;

  constructor(
    private readonly dumps: DumpsRepository,
    private readonly uploads: UploadsRepository,
    private readonly area: UploadArea,
    private readonly store: CollectorObjectStore,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
    private readonly digests: ArrivalDigests | null,
    /** Several instances (PostgreSQL): one finishes an upload at a time, the others wait. */
    private readonly finishLock: FinishLock | null = null,
  ) {}

  /**
   * `keepUpload`: leave the tus upload in place (the tus server still reads it while answering
   * the request that finished it); the caller discards it after the response (see `discard`).
   */
  finish(uploadId: string, opts: { keepUpload?: boolean } = {}): Promise<DumpRecord> {
    const running = this.inFlight.get(uploadId);
    if (running) return running;
    const once = () => this.finishOnce(uploadId, opts.keepUpload ?? false);
    const p = (this.finishLock ? this.finishLock.withFinishLock(uploadId, once) : once()).finally(
      () => this.inFlight.delete(uploadId),
    );
    this.inFlight.set(uploadId, p);
    return p;
  }

  /**
   * Size and sha256 of the stored upload: the size from the store, the digest computed on arrival
   * when one unbroken chain covered every byte, else by streaming the stored object once.
   */
  private async measure(uploadId: string): Promise<{ size: number; sha256: string; how: string }> {
    const stored = await this.area.size(uploadId);
    const early = stored === null ? null : (this.digests?.take(uploadId, stored) ?? null);
    if (stored !== null && early !== null) return { size: stored, sha256: early, how: 'arrival' };
    const read = await sha256OfStream(await this.area.open(uploadId));
    return { ...read, how: 'reread' };
  }

  /** Removes a recorded upload's tus bytes (idempotent) and marks its row purged. */
  async discard(uploadId: string): Promise<void> {
    this.digests?.forget(uploadId);
    await this.area.discard(uploadId);
    const row = await this.uploads.byId(uploadId);
    if (row && row.state !== 'receiving') {
      await this.uploads.setState(uploadId, 'purged', row.dump_id, new Date().toISOString());
    }
  }

  /** Measures the stored upload against the declaration; good bytes go to their dump key. */
  private async verifyAndStore(uploadId: string, upload: UploadRow): Promise<Verified> {
    const { size, sha256, how } = await this.measure(uploadId);
    let reason: string | null = null;
    if (upload.declared_size !== null && size !== Number(upload.declared_size)) {
      reason = `size mismatch: declared ${upload.declared_size} bytes, stored ${size}`;
    } else if (sha256 !== upload.declared_sha256) {
      reason = `sha256 mismatch: declared ${upload.declared_sha256}, received ${sha256}`;
    }

    let storageKey: string | null = null;
    if (reason === null) {
      const twin = await this.dumps.receivedBySha256(sha256);
      if (twin?.storageKey && (await this.store.stat(twin.storageKey))) {
        storageKey = twin.storageKey;
      } else {
        storageKey = dumpObjectKey(sha256);
        await this.area.promote(uploadId, storageKey);
      }
    }
    return { size, sha256, how, reason, storageKey };
  }

  private async finishOnce(uploadId: string, keepUpload: boolean): Promise<DumpRecord> {
    const done = await this.dumps.byUploadId(uploadId);
    if (done) {
      if (!keepUpload) await this.discard(uploadId);
      return done;
    }
    const upload = await this.uploads.byId(uploadId);
    if (!upload) throw new UnknownUploadError(uploadId);

    let verified: Verified;
    try {
      verified = await this.verifyAndStore(uploadId, upload);
    } catch (err) {
      // Another instance finished this upload meanwhile and dropped its bytes under us: its
      // record stands (SQLite has no finish lock across processes; see locking/).
      const done = await this.dumps.byUploadId(uploadId);
      if (done) return done;
      throw err;
    }
    const { size, sha256, how, reason, storageKey } = verified;

    const id = randomUUID();
    const record = await this.dumps.insertOnce(
      {
        id,
        upload_id: uploadId,
        node: upload.node,
        filename: upload.filename,
        size,
        sha256,
        declared_sha256: upload.declared_sha256,
        encoding: upload.encoding,
        state: reason === null ? 'received' : 'corrupt',
        reason,
        storage_key: storageKey,
        kernel_release: upload.kernel_release,
        captured_at: upload.captured_at,
      },
      new Date().toISOString(),
    );
    await this.uploads.setState(
      uploadId,
      reason === null ? 'finished' : 'failed',
      record.id,
      new Date().toISOString(),
    );
    if (!keepUpload) await this.discard(uploadId);
    // Another process recorded this upload first (unique upload_id): it counted and queued it.
    if (record.id !== id) return record;

    this.metrics.uploadsFinished.inc({ state: record.state });
    if (record.state === 'corrupt') this.metrics.uploadsFailed.inc({ reason: 'verification' });
    this.log.info(
      { uploadId, dumpId: record.id, state: record.state, size, sha256, reason, verifiedBy: how },
      record.state === 'received' ? 'dump received' : 'dump corrupt',
    );
    if (record.state === 'received') await this.onReceived?.(record);
    return record;
  }
}
