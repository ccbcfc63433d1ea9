import type { Readable } from 'node:stream';

/**
 * The part of `@kdumpfleet/storage`'s ObjectStore the collector uses, stated here so the
 * collector's code reads on its own. The real implementations come from the library.
 */
export interface ObjectStat {
  size: number;
}

export interface CollectorObjectStore {
  readonly kind: 'fs' | 's3';
  stat(key: string): Promise<ObjectStat | null>;
  readRange(key: string, start?: number, endInclusive?: number): Promise<Readable>;
  write(key: string, body: Readable): Promise<ObjectStat>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
}

/** Content-addressed key of a verified dump's bytes. */
export function dumpObjectKey(sha256: string): string {
  return `dumps/${sha256}`;
}
