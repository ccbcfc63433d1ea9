import type { Readable } from 'node:stream';

export interface ObjectStat {
  key: string;
  size: number;
  lastModified: Date;
  /** Backend's entity tag (S3 ETag); absent on the filesystem. */
  etag?: string;
  contentType?: string;
  /** User metadata as written (keys lower-case). */
  metadata: Record<string, string>;
}

export interface WriteOptions {
  /** Declared size: the write fails with ObjectSizeMismatchError (storing nothing) if the body differs. */
  size?: number;
  contentType?: string;
  /** Keys `[a-z0-9][a-z0-9-]*`, values printable ASCII (they travel as HTTP headers on S3). */
  metadata?: Record<string, string>;
}

export interface ObjectListing {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Where dumps live. One narrow interface with interchangeable backends, in the manner of
 * tusd's DataStore: the capabilities every backend has are required, the ones only some
 * have (presigned URLs, listing) are optional members callers test for.
 *
 * Keys are `/`-separated relative names, validated the same way by every backend
 * (see validateObjectKey). A write is all-or-nothing: readers see the old object or the
 * complete new one, never a partial one.
 */
export interface ObjectStore {
  readonly kind: 'fs' | 's3';
  /** Size and metadata, or null when there is no such object. */
  stat(key: string): Promise<ObjectStat | null>;
  /**
   * Bytes `start..endInclusive` (defaults: whole object). An end past the object is clamped
   * (as HTTP ranges); a start at or past the end throws ObjectRangeError; a missing object
   * throws ObjectNotFoundError.
   */
  readRange(key: string, start?: number, endInclusive?: number): Promise<Readable>;
  /** Streams `body` into the object, replacing any previous one atomically. */
  write(key: string, body: Readable, opts?: WriteOptions): Promise<ObjectStat>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** A URL anyone can GET (with Range) for `expirySeconds`, served as an attachment named `filename`. */
  presignGet?(key: string, expirySeconds: number, opts?: { filename?: string }): Promise<string>;
  /** Health: resolves when the backend is usable, throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  /** Objects whose key starts with `prefix`, in no particular order. */
  list?(prefix: string): AsyncIterable<ObjectListing>;
}
