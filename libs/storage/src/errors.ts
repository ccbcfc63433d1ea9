/** Base of every error this package throws on purpose; `code` is stable for callers to switch on. */
export abstract class StorageError extends Error {
  abstract readonly code: string;
}

/** The key is not acceptable as an object name (traversal, NUL, absolute, reserved…). */
export class ObjectKeyError extends StorageError {
  override readonly name = 'ObjectKeyError';
  readonly code = 'INVALID_KEY';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
  }
}

export class ObjectNotFoundError extends StorageError {
  override readonly name = 'ObjectNotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(readonly key: string) {
    super(`object ${JSON.stringify(key)} not found`);
  }
}

/** The range starts at or beyond the end of the object (HTTP 416). */
export class ObjectRangeError extends StorageError {
  override readonly name = 'ObjectRangeError';
  readonly code = 'RANGE_NOT_SATISFIABLE';
  constructor(
    readonly key: string,
    readonly start: number,
    readonly size: number | undefined,
  ) {
    super(
      `range starting at ${start} is outside object ${JSON.stringify(key)}${size === undefined ? '' : ` of ${size} bytes`}`,
    );
  }
}

/** The body did not have the size the caller declared; nothing was stored. */
export class ObjectSizeMismatchError extends StorageError {
  override readonly name = 'ObjectSizeMismatchError';
  readonly code = 'SIZE_MISMATCH';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `object ${JSON.stringify(key)}: declared ${expected} bytes, body had ${actual}${actual > expected ? ' or more' : ''}`,
    );
  }
}

/** A metadata key or value cannot be stored (S3 sends them as HTTP headers). */
export class ObjectMetadataError extends StorageError {
  override readonly name = 'ObjectMetadataError';
  readonly code = 'INVALID_METADATA';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`metadata ${JSON.stringify(field)}: ${reason}`);
  }
}

/** The backend cannot be reached or is not usable (health checks). */
export class StoreUnavailableError extends StorageError {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'UNAVAILABLE';
  constructor(
    readonly kind: 'fs' | 's3',
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${kind} object store unavailable: ${reason}`, options);
  }
}
