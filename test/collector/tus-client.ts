import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { UPLOAD_TOKEN, fixturesDir } from './harness.js';

export interface FixtureDump {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/** Every dump under ../shared/fixtures/vmcores with the sha256 its truth.json records. */
export function fixtureDumps(): FixtureDump[] {
  const root = join(fixturesDir, 'vmcores');
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'truth.json')))
    .sort()
    .map((d) => {
      const truth = JSON.parse(readFileSync(join(root, d, 'truth.json'), 'utf8')) as {
        file: string;
        size: number;
        sha256: string;
      };
      return { name: d, path: join(root, d, truth.file), size: truth.size, sha256: truth.sha256 };
    });
}

/**
 * Where a client remembers its unfinished uploads (as tus-js-client's own FileUrlStorage does
 * on disk): kept in memory so two Upload objects in one test can find each other's URL.
 */
export class MemoryUrlStorage implements tus.UrlStorage {
  private readonly entries = new Map<string, tus.PreviousUpload & { fingerprint: string }>();
  private next = 0;

  async findAllUploads(): Promise<tus.PreviousUpload[]> {
    return [...this.entries.values()];
  }
  async findUploadsByFingerprint(fingerprint: string): Promise<tus.PreviousUpload[]> {
    return [...this.entries.values()].filter((e) => e.fingerprint === fingerprint);
  }
  async removeUpload(urlStorageKey: string): Promise<void> {
    this.entries.delete(urlStorageKey);
  }
  async addUpload(fingerprint: string, upload: tus.PreviousUpload): Promise<string> {
    const key = `tus::${fingerprint}::${this.next++}`;
    this.entries.set(key, { ...upload, urlStorageKey: key, fingerprint });
    return key;
  }
}

export interface UploadOutcome {
  uploadUrl: string;
  dumpId: string | null;
  dumpState: string | null;
}

export interface TusUploadOptions {
  token?: string;
  chunkSize?: number;
  metadata?: Record<string, string>;
  uploadUrl?: string;
  urlStorage?: tus.UrlStorage;
  /** Called with bytes sent; return true to abort the upload there. */
  abortAt?: number;
  onUploadUrl?: (url: string) => void;
  /** Progress callback (bytes sent so far), e.g. to kill the collector mid-upload. */
  onProgress?: (sent: number) => void;
  /** Send the first chunk with the POST (tus creation-with-upload). */
  uploadDataDuringCreation?: boolean;
  /** Look up a previous upload of this file in `urlStorage` and continue it. */
  resumeFromStorage?: boolean;
}

export class UploadAborted extends Error {
  constructor(readonly uploadUrl: string | null) {
    super('upload aborted by the test');
  }
}

/** Uploads a file with tus-js-client the way the agent does; resolves on success. */
export function tusUpload(
  baseUrl: string,
  path: string,
  metadata: Record<string, string>,
  opts: TusUploadOptions = {},
): Promise<UploadOutcome> {
  return new Promise((resolve, reject) => {
    let dumpId: string | null = null;
    let dumpState: string | null = null;
    let reportedUrl = false;
    const upload: tus.Upload = new tus.Upload(createReadStream(path), {
      endpoint: `${baseUrl}/api/v1/uploads`,
      uploadUrl: opts.uploadUrl ?? null,
      headers: { Authorization: `Bearer ${opts.token ?? UPLOAD_TOKEN}` },
      metadata,
      chunkSize: opts.chunkSize ?? Infinity,
      retryDelays: [],
      uploadDataDuringCreation: opts.uploadDataDuringCreation ?? false,
      storeFingerprintForResuming: opts.urlStorage !== undefined,
      removeFingerprintOnSuccess: true,
      ...(opts.urlStorage ? { urlStorage: opts.urlStorage } : {}),
      onAfterResponse(_req, res) {
        dumpId = res.getHeader('Dump-Id') ?? dumpId;
        dumpState = res.getHeader('Dump-State') ?? dumpState;
        if (!reportedUrl && upload.url) {
          reportedUrl = true;
          opts.onUploadUrl?.(upload.url);
        }
      },
      onProgress(sent) {
        opts.onProgress?.(sent);
        if (opts.abortAt !== undefined && sent >= opts.abortAt) {
          void upload.abort(false).then(() => reject(new UploadAborted(upload.url)));
        }
      },
      onError: reject,
      onSuccess: () => resolve({ uploadUrl: upload.url ?? '', dumpId, dumpState }),
    });
    if (!opts.resumeFromStorage) {
      upload.start();
      return;
    }
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(reject);
  });
}

export function metadataFor(
  d: FixtureDump,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    filename: `${d.name}.vmcore`,
    node: 'node-a.example',
    sha256: d.sha256,
    encoding: 'none',
    kernel_release: '6.1.0-test',
    captured_at: '2026-11-23T08:41:57Z',
    ...extra,
  };
}

export async function sha256OfResponse(res: Response): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
