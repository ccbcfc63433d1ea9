import { z } from 'zod';

/** Content encodings of an uploaded dump: raw bytes or (seekable) zstd. */
export const DUMP_ENCODINGS = ['none', 'zstd'] as const;
export type DumpEncoding = (typeof DUMP_ENCODINGS)[number];

/** The tus endpoint, relative to the collector's base URL. */
export const UPLOADS_PATH = '/api/v1/uploads';

/**
 * A file name as it came from the host, reduced to its last path component: no directories, no
 * NUL or control characters, never `.` or `..`. The collector never uses it as a path anyway;
 * it only goes back out in Content-Disposition.
 */
export function sanitizeFilename(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (clean === '' || clean === '.' || clean === '..') return 'vmcore';
  return clean.slice(0, 255);
}

/**
 * tus `Upload-Metadata` an agent sends with every dump (keys as on the wire).
 * `sha256` is the hex digest of exactly the uploaded bytes (after any compression).
 */
export const uploadMetadataSchema = z.object({
  filename: z
    .string({ error: 'filename is required' })
    .min(1, 'filename must not be empty')
    .max(1024, 'filename is too long')
    .refine((s) => !s.includes('\u0000'), 'filename must not contain NUL')
    .transform(sanitizeFilename),
  node: z
    .string({ error: 'node is required' })
    .min(1, 'node must not be empty')
    .max(253, 'node is too long')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'node must be a host name'),
  sha256: z
    .string({ error: 'sha256 is required' })
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits')
    .transform((s) => s.toLowerCase()),
  encoding: z.enum(DUMP_ENCODINGS, { error: "encoding must be 'none' or 'zstd'" }),
  kernel_release: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'kernel_release must be printable without spaces')
    .optional(),
  captured_at: z.iso.datetime({ offset: true, error: 'captured_at must be ISO-8601' }).optional(),
});
export type UploadMetadata = z.infer<typeof uploadMetadataSchema>;
export type UploadMetadataInput = z.input<typeof uploadMetadataSchema>;
