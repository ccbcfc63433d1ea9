import { ObjectKeyError, ObjectMetadataError, ObjectRangeError } from './errors.js';

/** S3's limit on key length, applied to every backend so keys stay portable between them. */
export const MAX_KEY_BYTES = 1024;

/**
 * Throws ObjectKeyError unless `key` is a relative `/`-separated name without empty, `.` or
 * `..` segments, control characters (NUL included) or backslashes, and whose first segment
 * does not start with `.` (reserved for the filesystem store's temp and metadata dirs).
 */
export function validateObjectKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0)
    throw new ObjectKeyError(String(key), 'empty or not a string');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new ObjectKeyError(key, `longer than ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(key))
    throw new ObjectKeyError(key, 'contains a control character (NUL included)');
  if (key.includes('\\')) throw new ObjectKeyError(key, 'contains a backslash');
  if (key.startsWith('/')) throw new ObjectKeyError(key, 'is an absolute path');
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '') throw new ObjectKeyError(key, 'has an empty path segment');
    if (s === '.' || s === '..') throw new ObjectKeyError(key, `has a "${s}" path segment`);
  }
  if (segments[0]!.startsWith('.')) throw new ObjectKeyError(key, 'starts with "." (reserved)');
}

/** Checks user metadata the same way for every backend (S3 carries it in x-amz-meta-* headers). */
export function validateMetadata(metadata: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(k))
      throw new ObjectMetadataError(k, 'key must match [a-z0-9][a-z0-9-]*');
    // names S3 clients treat as standard headers rather than x-amz-meta-* user metadata
    if (/^(content-|x-amz-|if-|cache-control$|expires$)/.test(k))
      throw new ObjectMetadataError(k, 'key is a reserved header name');
    if (typeof v !== 'string' || !/^[\x20-\x7e]{0,1024}$/.test(v)) {
      throw new ObjectMetadataError(k, 'value must be printable ASCII, at most 1024 characters');
    }
  }
}

/** Validates a requested range; returns it with defaults. Does not know the object size. */
export function checkRange(
  start: number | undefined,
  endInclusive: number | undefined,
): { start: number; end?: number } {
  const s = start ?? 0;
  if (!Number.isSafeInteger(s) || s < 0)
    throw new RangeError(`range start ${start} must be a non-negative integer`);
  if (endInclusive === undefined) return { start: s };
  if (!Number.isSafeInteger(endInclusive) || endInclusive < s) {
    throw new RangeError(`range end ${endInclusive} must be an integer >= start ${s}`);
  }
  return { start: s, end: endInclusive };
}

/** Throws ObjectRangeError when an explicit range starts at or past the end of an object. */
export function checkRangeAgainstSize(
  key: string,
  start: number,
  end: number | undefined,
  size: number,
): void {
  const explicit = start > 0 || end !== undefined;
  if (explicit && start >= size) throw new ObjectRangeError(key, start, size);
}
