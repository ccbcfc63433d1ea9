import { createReadStream } from 'node:fs';
import * as tus from 'tus-js-client';
import { CollectorError, errorForStatus } from './collector-errors.js';
import { headVerdict, ResumeHeadFailed } from './resume-head.js';
import { lookupUploadRecord } from './upload-record.js';
import type { SpoolFile } from './spool-dump.js';

export interface TusSendOptions {
  collectorUrl: string;
  token: string;
  node: string;
  spool: SpoolFile;
  filename: string;
  kernelRelease?: string | null;
  capturedAt?: string | null;
  chunkSize: number;
  /** A tus upload URL from an earlier, interrupted run. */
  resumeUrl: string | null;
  /** Persist the upload URL as soon as the collector assigns it (before any PATCH). */
  onUploadUrl: (url: string | null) => void;
  onProgress?: (sent: number, total: number) => void;
  retryDelays?: number[];
}

export interface TusSendResult {
  dumpId: string;
  uploadUrl: string;
  resumedFrom: number;
}

/**
 * Raised from inside tus-js-client when it is about to create a new upload although the one it
 * had was already turned into a dump record (the answer to the last PATCH was lost).
 */
class AlreadyRecorded extends Error {
  constructor(readonly dumpId: string) {
    super(`already recorded as dump ${dumpId}`);
  }
}

const DEFAULT_RETRIES = [1000, 2000, 4000, 8000, 15000, 30000, 30000, 60000];

/**
 * Sends the spool file with tus-js-client. Resumes `resumeUrl` (tus-js-client's HEAD) when the
 * collector still has it. Only a 404/410 on that HEAD means "gone": then the agent asks the
 * collector whether the upload was already recorded (the agent may have been killed between
 * the last PATCH and writing down the answer: uploading again would make a second record), and
 * otherwise creates a new upload. A 5xx or network error on the HEAD is retried against the same
 * URL (retryDelays), never answered with a new upload (see resume-head.ts). Resolves with the dump
 * record id from the final PATCH's `Dump-Id` header.
 */
export async function sendWithTus(o: TusSendOptions): Promise<TusSendResult> {
  const auth = { Authorization: `Bearer ${o.token}` };
  const metadata: Record<string, string> = {
    filename: o.filename,
    node: o.node,
    sha256: o.spool.sha256,
    encoding: o.spool.encoding,
  };
  if (o.kernelRelease) metadata.kernel_release = o.kernelRelease;
  if (o.capturedAt) metadata.captured_at = o.capturedAt;

  let dumpId: string | null = null;
  let resumedFrom = 0;
  let firstPatch = true;
  // The last upload URL this run knew: a retry that finds it gone (404) asks before re-creating.
  let knownUrl: string | null = o.resumeUrl;
  const url = await new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(o.spool.path), {
      endpoint: `${o.collectorUrl}/api/v1/uploads`,
      uploadUrl: o.resumeUrl,
      headers: auth,
      metadata,
      uploadSize: o.spool.size,
      chunkSize: o.chunkSize,
      retryDelays: o.retryDelays ?? DEFAULT_RETRIES,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      onShouldRetry: (err) => {
        if (err.causingError instanceof AlreadyRecorded) return false;
        if (err.causingError instanceof ResumeHeadFailed) return err.causingError.retryable;
        const status = err.originalResponse?.getStatus() ?? 0;
        // 4xx other than 409/423 will not get better by retrying (token, size, sha256).
        return status === 0 || status >= 500 || status === 409 || status === 423;
      },
      onUploadUrlAvailable: () => {
        if (upload.url) {
          knownUrl = upload.url;
          o.onUploadUrl(upload.url);
        }
      },
      onBeforeRequest: async (req) => {
        if (req.getMethod() === 'POST' && knownUrl) {
          // tus-js-client creates a new upload when its HEAD of the known one failed. Our
          // onAfterResponse lets only a 404/410 get this far; look again before giving it up.
          const status = await headStatus(knownUrl, auth);
          const verdict = headVerdict(status);
          if (verdict !== 'gone') {
            // Still there, or no clear answer: resume the same upload on the retry (start()
            // resumes `upload.url` before it looks at `uploadUrl` or the endpoint).
            upload.url = knownUrl;
            throw new ResumeHeadFailed(verdict === 'ok' ? 0 : status, '');
          }
          const rec = await lookupUploadRecord(
            o.collectorUrl,
            o.token,
            o.node,
            uploadIdOf(knownUrl),
          );
          if (rec && rec.sha256 === o.spool.sha256 && rec.state === 'received')
            throw new AlreadyRecorded(rec.dumpId);
          knownUrl = null;
          o.onUploadUrl(null);
        }
        if (firstPatch && req.getMethod() === 'PATCH') {
          const off = Number(req.getHeader('Upload-Offset'));
          if (Number.isFinite(off)) resumedFrom = off;
          firstPatch = false;
        }
      },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD') {
          const status = res.getStatus();
          const verdict = headVerdict(status);
          if (verdict === 'retry' || verdict === 'fatal')
            // Becomes a failed request for tus-js-client: it keeps the URL and retries.
            throw new ResumeHeadFailed(status, res.getBody() ?? '');
          if (verdict === 'ok' && firstPatch) {
            const off = Number(res.getHeader('Upload-Offset'));
            if (Number.isFinite(off)) resumedFrom = off;
          }
        }
        const id = res.getHeader('Dump-Id');
        if (req.getMethod() === 'PATCH' && id) dumpId = id;
      },
      onProgress: (sent, total) => o.onProgress?.(sent, total ?? o.spool.size),
      onError: (err) => {
        const cause = (err as tus.DetailedError).causingError;
        if (cause instanceof AlreadyRecorded) {
          dumpId = cause.dumpId;
          if (firstPatch) resumedFrom = o.spool.size;
          resolve(knownUrl ?? '');
        } else reject(translate(err));
      },
      onSuccess: () => resolve(upload.url ?? ''),
    });
    upload.start();
  });
  if (!dumpId) {
    // Finished by HEAD alone (offset == length): the collector may still be verifying.
    const rec = await waitForRecord(o, uploadIdOf(url));
    if (rec.sha256 !== o.spool.sha256 || rec.state !== 'received')
      throw new CollectorError(
        'SHA256_MISMATCH',
        `collector recorded sha256 ${rec.sha256}, agent sent ${o.spool.sha256}`,
      );
    dumpId = rec.dumpId;
  }
  return { dumpId, uploadUrl: url, resumedFrom };
}

async function waitForRecord(o: TusSendOptions, uploadId: string) {
  for (let i = 0; i < 20; i++) {
    const rec = await lookupUploadRecord(o.collectorUrl, o.token, o.node, uploadId);
    if (rec) return rec;
    await new Promise((r) => setTimeout(r, 500 * Math.min(i + 1, 6)));
  }
  throw new CollectorError(
    'NO_RECORD',
    'upload finished but the collector has no dump record for it yet; run upload again later',
  );
}

export function uploadIdOf(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
}

/** Status of a HEAD on a tus upload; 0 when the collector could not be reached. */
async function headStatus(url: string, auth: Record<string, string>): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'HEAD',
      headers: { ...auth, 'Tus-Resumable': '1.0.0' },
    });
    return res.status;
  } catch {
    return 0;
  }
}

function translate(err: Error): Error {
  const cause = (err as tus.DetailedError).causingError;
  if (cause instanceof ResumeHeadFailed)
    return errorForStatus(cause.status, cause.body, 'resuming the upload');
  if (err instanceof tus.DetailedError && err.originalResponse) {
    const res = err.originalResponse;
    return errorForStatus(res.getStatus(), res.getBody() ?? '', 'upload');
  }
  return new CollectorError(
    'UNREACHABLE',
    `collector unreachable: ${cause?.message ?? err.message.split(',')[0]}`,
  );
}
