/**
 * Opaque keyset cursor for "newest first" listing: the (created_at, id) of the last row seen.
 * base64url so it survives query strings untouched.
 */
export interface DumpCursor {
  createdAt: string;
  id: string;
}

export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
  readonly field = 'cursor';
  constructor() {
    super('cursor is not one this server issued');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(c: DumpCursor): string {
  return Buffer.from(`${c.createdAt}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): DumpCursor {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|([0-9a-f-]{36})$/.exec(decoded);
  if (!m) throw new InvalidCursorError();
  return { createdAt: m[1]!, id: m[2]! };
}
