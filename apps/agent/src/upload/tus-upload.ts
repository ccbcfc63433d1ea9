import { createReadStream } from 'node:fs';
import * as tus from 'tus-js-client';
import { CollectorError, errorForStatus } from './collector-errors.js';
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
 * Sends the spool file with tus-js-client. Resumes `resumeUrl` when the collector still has it
 * (HEAD), asks the collector whether an upload it no longer has was already recorded (the
 * agent may have been killed between the last PATCH and writing down the answer: uploading
 * again would make a second record), and otherwise creates a new upload. Resolves with the dump
 * record id from the final PATCH's `Dump-Id` header.
 */
export async function sendWithTus(o: TusSendOptions): Promise<TusSendResult> {
  const auth = { Authorization: `Bearer ${o.token}` };
  let resumeUrl = o.resumeUrl;
  if (resumeUrl) {
    const head = await probe(resumeUrl, auth);
    if (head === 'gone') {
      const rec = await lookupUploadRecord(o.collectorUrl, o.token, o.node, uploadIdOf(resumeUrl));
      if (rec && rec.sha256 === o.spool.sha256 && rec.state === 'received')
        return { dumpId: rec.dumpId, uploadUrl: resumeUrl, resumedFrom: o.spool.size };
      resumeUrl = null;
      o.onUploadUrl(null);
    }
  }
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
  let knownUrl: string | null = resumeUrl;
  const url = await new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(o.spool.path), {
      endpoint: `${o.collectorUrl}/api/v1/uploads`,
      uploadUrl: resumeUrl,
      headers: auth,
      metadata,
      uploadSize: o.spool.size,
      chunkSize: o.chunkSize,
      retryDelays: o.retryDelays ?? DEFAULT_RETRIES,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      onShouldRetry: (err) => {
        if (err.causingError instanceof AlreadyRecorded) return false;
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
          const rec = await lookupUploadRecord(
            o.collectorUrl,
            o.token,
            o.node,
            uploadIdOf(knownUrl),
          );
          if (rec && rec.sha256 === o.spool.sha256 && rec.state === 'received')
            throw new AlreadyRecorded(rec.dumpId);
        }
        if (firstPatch && req.getMethod() === 'PATCH') {
          const off = Number(req.getHeader('Upload-Offset'));
          if (Number.isFinite(off)) resumedFrom = off;
          firstPatch = false;
        }
      },
      onAfterResponse: (req, res) => {
        const id = res.getHeader('Dump-Id');
        if (req.getMethod() === 'PATCH' && id) dumpId = id;
      },
      onProgress: (sent, total) => o.onProgress?.(sent, total ?? o.spool.size),
      onError: (err) => {
        const cause = (err as tus.DetailedError).causingError;
        if (cause instanceof AlreadyRecorded) {
          dumpId = cause.dumpId;
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

async function probe(url: string, auth: Record<string, string>): Promise<'alive' | 'gone'> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD', headers: { ...auth, 'Tus-Resumable': '1.0.0' } });
  } catch (err) {
    throw new CollectorError('UNREACHABLE', `collector unreachable: ${(err as Error).message}`);
  }
  if (res.ok) return 'alive';
  if (res.status === 404 || res.status === 410) return 'gone';
  throw errorForStatus(res.status, '', 'resuming the upload');
}

function translate(err: Error): Error {
  if (err instanceof tus.DetailedError && err.originalResponse) {
    const res = err.originalResponse;
    return errorForStatus(res.getStatus(), res.getBody() ?? '', 'upload');
  }
  const cause = (err as tus.DetailedError).causingError;
  return new CollectorError(
    'UNREACHABLE',
    `collector unreachable: ${cause?.message ?? err.message.split(',')[0]}`,
  );
}
