import { z } from 'zod';
import { DUMP_ENCODINGS } from './uploads.js';

/**
 * Life of a dump record. `received`: bytes verified (size + sha256) and stored.
 * `corrupt`: the bytes did not match what the host declared; kept for inspection, never served.
 */
export const DUMP_STATES = ['received', 'corrupt'] as const;
export type DumpState = (typeof DUMP_STATES)[number];

export const dumpRecordSchema = z.object({
  id: z.uuid(),
  uploadId: z.string(),
  node: z.string(),
  filename: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  declaredSha256: z.string().regex(/^[0-9a-f]{64}$/),
  encoding: z.enum(DUMP_ENCODINGS),
  state: z.enum(DUMP_STATES),
  reason: z.string().nullable(),
  storageKey: z.string().nullable(),
  kernelRelease: z.string().nullable(),
  capturedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DumpRecord = z.infer<typeof dumpRecordSchema>;

export const dumpListSchema = z.object({
  items: z.array(dumpRecordSchema),
  /** Pass as `?cursor=` to get the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DumpList = z.infer<typeof dumpListSchema>;

export const dumpListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  node: z.string().max(253).optional(),
  /** Default: only good dumps (`received`); `all` lists every state. */
  state: z.enum([...DUMP_STATES, 'all']).default('received'),
});
export type DumpListQuery = z.infer<typeof dumpListQuerySchema>;

/** JSON error body of every non-tus API error. */
export const apiErrorSchema = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
