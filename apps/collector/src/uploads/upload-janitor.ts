import type { Server } from '@tus/server';
import type { Logger } from 'pino';
import type { DumpIngest } from './dump-ingest.js';
import type { UploadsRepository } from './uploads.repository.js';

/**
 * Housekeeping for uploads: on start, finish uploads whose bytes were complete when the previous
 * process died; periodically, delete partial uploads older than UPLOAD_EXPIRY and forget them.
 */
export class UploadJanitor {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tus: Server,
    private readonly uploads: UploadsRepository,
    private readonly ingest: DumpIngest,
    private readonly expiryMs: number,
    private readonly log: Logger,
  ) {}

  /** Uploads with all bytes stored but no dump record (killed between last byte and record). */
  async finishInterrupted(): Promise<number> {
    let finished = 0;
    for (const row of await this.uploads.inState('receiving')) {
      try {
        const upload = await this.tus.datastore.getUpload(row.id);
        if (upload.size !== undefined && upload.offset === upload.size) {
          await this.ingest.finish(row.id);
          finished++;
        }
      } catch {
        // Bytes gone or store unreachable: the expiry sweep deals with it later.
      }
    }
    return finished;
  }

  async sweep(): Promise<void> {
    try {
      const deleted = await this.tus.cleanUpExpiredUploads();
      const cutoff = new Date(Date.now() - this.expiryMs).toISOString();
      let forgotten = 0;
      for (const row of await this.uploads.receivingBefore(cutoff)) {
        const gone = await this.tus.datastore.getUpload(row.id).then(
          () => false,
          () => true,
        );
        if (gone) {
          await this.uploads.remove(row.id);
          forgotten++;
        }
      }
      // Recorded uploads whose bytes were not dropped (the process stopped right after the
      // record was written): drop them now.
      let dropped = 0;
      for (const row of await this.uploads.finishedBefore(
        new Date(Date.now() - 60_000).toISOString(),
      )) {
        await this.ingest.discard(row.id);
        dropped++;
      }
      if (deleted > 0 || forgotten > 0 || dropped > 0)
        this.log.info({ deleted, forgotten, dropped }, 'uploads cleaned up');
    } catch (err) {
      this.log.warn({ err }, 'upload expiry sweep failed');
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
