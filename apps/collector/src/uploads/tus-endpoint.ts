import { MemoryLocker, Server, type Locker, type ServerOptions } from '@tus/server';
import type { DataStore, Upload } from '@tus/server';
import { UPLOADS_PATH, uploadMetadataSchema } from '@kdumpfleet/contracts';
import type { Logger } from 'pino';
import type { CollectorConfig } from '../config/environment.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { ArrivalDigests } from './arrival-digest.js';
import type { DumpIngest } from './dump-ingest.js';
import type { UploadsRepository } from './uploads.repository.js';

/** tus ids are what the default naming function makes: 32 hex digits. Anything else is 404. */
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** What tus hooks throw to answer with a status and a one-line body. */
interface TusHookError {
  status_code: number;
  body: string;
}

function metadataError(upload: Upload): TusHookError | null {
  const parsed = uploadMetadataSchema.safeParse(upload.metadata ?? {});
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'Upload-Metadata');
  return { status_code: 400, body: `Upload-Metadata field '${field}': ${issue.message}\n` };
}

export interface TusEndpointDeps {
  config: CollectorConfig;
  datastore: DataStore;
  uploads: UploadsRepository;
  ingest: DumpIngest;
  metrics: CollectorMetrics;
  log: Logger;
  /** Hash-on-arrival; null when VERIFY_REREAD forces reading the stored object back. */
  digests: ArrivalDigests | null;
  /** Locks per upload: across instances on PostgreSQL (see locking/); in-process by default. */
  locker?: Locker;
}

/** The tus 1.0 server behind /api/v1/uploads (auth is checked before it, by UploaderGuard). */
export function createTusServer(deps: TusEndpointDeps): Server {
  const { config, datastore, uploads, ingest, metrics, log, digests } = deps;

  // Count body bytes as they land in the store (tus returns the new offset) and hash them on
  // the way (see ArrivalDigests).
  const write = datastore.write.bind(datastore);
  datastore.write = async (stream, id, offset) => {
    const observed = digests ? digests.observe(id, offset, stream) : null;
    try {
      const newOffset = await write(observed ? observed.body : stream, id, offset);
      observed?.settle(newOffset);
      metrics.bytesReceived.inc(Math.max(0, newOffset - offset));
      return newOffset;
    } catch (err) {
      observed?.settle(null);
      throw err;
    }
  };

  const options: ServerOptions = {
    path: UPLOADS_PATH,
    maxSize: config.maxDumpSize,
    relativeLocation: true,
    disableTerminationForFinishedUploads: true,
    exposedHeaders: ['Dump-Id', 'Dump-State'],
    locker: deps.locker ?? new MemoryLocker(),
    getFileIdFromRequest(_req, lastPath) {
      return lastPath && UPLOAD_ID.test(lastPath) ? lastPath : undefined;
    },
    async onUploadCreate(_req, upload) {
      const bad = metadataError(upload);
      if (bad) throw bad;
      const meta = uploadMetadataSchema.parse(upload.metadata);
      await uploads.create(
        {
          id: upload.id,
          node: meta.node,
          filename: meta.filename,
          declared_size: upload.size ?? null,
          declared_sha256: meta.sha256,
          encoding: meta.encoding,
          kernel_release: meta.kernel_release ?? null,
          captured_at: meta.captured_at ?? null,
        },
        new Date().toISOString(),
      );
      metrics.uploadsStarted.inc();
      log.info({ uploadId: upload.id, node: meta.node, size: upload.size }, 'upload created');
      return {};
    },
    onResponseError(req, err) {
      const status = (err as Partial<TusHookError>).status_code ?? 500;
      if (status >= 500) log.error({ err, method: req.method, url: req.url }, 'tus request failed');
      return undefined;
    },
    async onUploadFinish(_req, upload) {
      try {
        // The tus handler still reads the upload after this hook (POST asks the store for it):
        // its bytes are dropped on POST_FINISH, once the response is out.
        const dump = await ingest.finish(upload.id, { keepUpload: true });
        if (dump.state !== 'received') {
          // Throwing ends the request here (no POST_FINISH): drop the bad bytes now.
          await ingest.discard(upload.id);
          // 460 is tus' "checksum mismatch": the client must not treat the dump as delivered.
          throw { status_code: 460, body: `${dump.reason ?? 'verification failed'}\n` };
        }
        return { headers: { 'Dump-Id': dump.id, 'Dump-State': dump.state } };
      } catch (err) {
        if ((err as Partial<TusHookError>).status_code) throw err;
        metrics.uploadsFailed.inc({ reason: 'finish-error' });
        log.error({ err, uploadId: upload.id }, 'could not record finished upload');
        throw { status_code: 500, body: 'could not record the finished upload; retry later\n' };
      }
    },
  };
  const server = new Server({ ...options, datastore });
  server.on('POST_FINISH', (_req: unknown, _res: unknown, upload: Upload) => {
    void ingest
      .discard(upload.id)
      .catch((err: unknown) =>
        log.warn({ err, id: upload.id }, 'dropping a finished upload failed'),
      );
  });
  server.on('POST_TERMINATE', (_req: unknown, _res: unknown, id: string) => {
    void uploads
      .remove(id)
      .catch((err: unknown) => log.warn({ err, id }, 'forgetting terminated upload failed'));
  });
  return server;
}
