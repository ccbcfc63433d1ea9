import { Client } from 'minio';
import type { Readable } from 'node:stream';
import { contentDisposition } from './content-disposition.js';
import {
  ObjectNotFoundError,
  ObjectRangeError,
  ObjectSizeMismatchError,
  StoreUnavailableError,
} from './errors.js';
import { checkRange, validateMetadata, validateObjectKey } from './object-key.js';
import type { ObjectListing, ObjectStat, ObjectStore, WriteOptions } from './object-store.js';
import { parseS3Endpoint } from './s3-endpoint.js';
import { MIN_PART_SIZE, cutParts, partSizeFor } from './s3-parts.js';

export interface S3ObjectStoreOptions {
  /** `http://host:port` or `https://host` of any S3 server; buckets are addressed path-style. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default us-east-1 (also what Ceph RGW and MinIO accept). */
  region?: string;
  /** Create the bucket on first write when it does not exist (default false). */
  createBucket?: boolean;
  /** Multipart part size for streamed writes (default 16 MiB, at least 5 MiB). Memory use is about twice this. */
  partSize?: number;
  /** ping() gives up after this long (default 5000 ms). */
  pingTimeoutMs?: number;
}

/** Response headers minio reports in statObject's metaData that are not user metadata. */
const STANDARD_HEADERS = /^(content-|x-amz-|if-|cache-control$|expires$)/;

const s3Code = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;
const isNotFound = (err: unknown): boolean =>
  ['NoSuchKey', 'NotFound', 'NoSuchObject'].includes(s3Code(err) ?? '');

/**
 * Objects in one S3 bucket through the minio client. Writes are streamed: a body that fits in
 * one part is sent as a single PUT, a longer one as a multipart upload whose parts are cut
 * from the stream as it arrives (one part uploading while the next is read), so memory stays
 * at about two parts whatever the object size and whether or not the size is known. A failed
 * or short write aborts the multipart upload: nothing partial becomes visible.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;
  private readonly partSize: number;
  private readonly pingTimeoutMs: number;
  private readonly createBucket: boolean;
  private bucketReady: Promise<void> | undefined;

  constructor(opts: S3ObjectStoreOptions) {
    this.bucket = opts.bucket;
    this.region = opts.region ?? 'us-east-1';
    this.partSize = opts.partSize ?? 16 * 1024 * 1024;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new RangeError(
        `partSize ${opts.partSize} must be an integer of at least ${MIN_PART_SIZE} bytes`,
      );
    }
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 5000;
    this.createBucket = opts.createBucket ?? false;
    this.client = new Client({
      ...parseS3Endpoint(opts.endpoint),
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      region: this.region,
      pathStyle: true,
    });
  }

  private ensureBucket(): Promise<void> {
    if (!this.createBucket) return Promise.resolve();
    this.bucketReady ??= (async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (err) {
        if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(s3Code(err) ?? ''))
          throw err;
      }
    })().catch((err: unknown) => {
      this.bucketReady = undefined;
      throw err;
    });
    return this.bucketReady;
  }

  async stat(key: string): Promise<ObjectStat | null> {
    validateObjectKey(key);
    let st;
    try {
      st = await this.client.statObject(this.bucket, key);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const meta = st.metaData as Record<string, string>;
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta)) {
      if (!STANDARD_HEADERS.test(k.toLowerCase()) && k.toLowerCase() !== 'x-amz-storage-class')
        metadata[k.toLowerCase()] = v;
    }
    const contentType = meta['content-type'];
    return {
      key,
      size: st.size,
      lastModified: st.lastModified,
      ...(st.etag ? { etag: st.etag } : {}),
      ...(contentType === undefined ? {} : { contentType }),
      metadata,
    };
  }

  async readRange(key: string, start?: number, endInclusive?: number): Promise<Readable> {
    validateObjectKey(key);
    const r = checkRange(start, endInclusive);
    try {
      if (r.start === 0 && r.end === undefined)
        return await this.client.getObject(this.bucket, key);
      // minio sends "bytes=start-" for length 0 and "bytes=start-(start+length-1)" otherwise
      const length = r.end === undefined ? 0 : r.end - r.start + 1;
      if (r.start === 0 && length === 0) return await this.client.getObject(this.bucket, key);
      return await this.client.getPartialObject(this.bucket, key, r.start, length);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (s3Code(err) === 'InvalidRange') {
        // S3 answers 416 for a missing range on an existing object only; tell which it was
        const st = await this.stat(key);
        if (!st) throw new ObjectNotFoundError(key);
        throw new ObjectRangeError(key, r.start, st.size);
      }
      throw err;
    }
  }

  async write(key: string, body: Readable, opts: WriteOptions = {}): Promise<ObjectStat> {
    validateObjectKey(key);
    validateMetadata(opts.metadata);
    const declared = opts.size;
    if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
      throw new RangeError(`size ${declared} must be a non-negative integer`);
    }
    await this.ensureBucket();
    const headers: Record<string, string> = {};
    if (opts.contentType !== undefined) headers['Content-Type'] = opts.contentType;
    for (const [k, v] of Object.entries(opts.metadata ?? {})) headers[`x-amz-meta-${k}`] = v;

    let total = 0;
    const counted = async function* (): AsyncGenerator<Buffer | Uint8Array | string> {
      for await (const chunk of body as AsyncIterable<Buffer | Uint8Array | string>) {
        total += chunk.length;
        if (declared !== undefined && total > declared)
          throw new ObjectSizeMismatchError(key, declared, total);
        yield chunk;
      }
    };
    const sizeFor = (n: number) => partSizeFor(n, this.partSize, declared);
    const parts = cutParts(counted(), sizeFor)[Symbol.asyncIterator]();
    const checkTotal = () => {
      if (declared !== undefined && total !== declared)
        throw new ObjectSizeMismatchError(key, declared, total);
    };
    let uploadId: string | undefined;
    try {
      const first = await parts.next();
      const firstPart = first.value as Buffer;
      const second =
        firstPart.length < sizeFor(1)
          ? { done: true as const, value: undefined }
          : await parts.next();
      if (second.done) {
        checkTotal();
        await this.client.putObject(this.bucket, key, firstPart, firstPart.length, headers);
      } else {
        uploadId = await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
        const etags: { part: number; etag: string }[] = [];
        const id = uploadId;
        const upload = async (part: number, payload: Buffer): Promise<void> => {
          const r = await this.client.uploadPart(
            {
              bucketName: this.bucket,
              objectName: key,
              uploadID: id,
              partNumber: part,
              headers: {},
            },
            payload,
          );
          etags.push({ part, etag: r.etag });
        };
        let n = 1;
        let pending = upload(n++, firstPart);
        pending.catch(() => undefined); // surfaced by the await below; keep reading meanwhile
        for (let cur: IteratorResult<Buffer> = second; !cur.done; cur = await parts.next()) {
          await pending; // at most one part uploading while the next one is read
          pending = upload(n++, cur.value);
          pending.catch(() => undefined);
        }
        await pending;
        checkTotal();
        etags.sort((a, b) => a.part - b.part);
        await this.client.completeMultipartUpload(this.bucket, key, id, etags);
      }
    } catch (err) {
      body.destroy();
      await parts.return?.(undefined).catch(() => undefined);
      if (uploadId !== undefined)
        await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
      throw err;
    }
    const st = await this.stat(key);
    if (!st) throw new ObjectNotFoundError(key);
    return st;
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async presignGet(
    key: string,
    expirySeconds: number,
    opts: { filename?: string } = {},
  ): Promise<string> {
    validateObjectKey(key);
    if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > 604_800) {
      throw new RangeError(
        `expirySeconds ${expirySeconds} must be an integer in 1..604800 (7 days)`,
      );
    }
    const params: Record<string, string> = {};
    if (opts.filename !== undefined) {
      params['response-content-disposition'] = contentDisposition(opts.filename);
    }
    return this.client.presignedGetObject(this.bucket, key, expirySeconds, params);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const exists = await Promise.race([
        this.client.bucketExists(this.bucket),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.pingTimeoutMs} ms`)),
            this.pingTimeoutMs,
          );
        }),
      ]);
      if (!exists) throw new Error(`bucket ${this.bucket} does not exist`);
    } catch (err) {
      throw new StoreUnavailableError(
        's3',
        (err as Error).message || s3Code(err) || 'request failed',
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectListing> {
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      if (item.name !== undefined)
        yield { key: item.name, size: item.size, lastModified: item.lastModified };
    }
  }
}
