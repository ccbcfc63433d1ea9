export type DebuginfoErrorCode =
  | 'NOT_ELF'
  | 'BAD_ELF'
  | 'NO_BUILD_ID'
  | 'BUILD_ID_MISMATCH'
  | 'NOT_FOUND'
  | 'DOWNLOAD_FAILED'
  | 'BAD_BUILD_ID';

/** Any failure to find, fetch or check debuginfo; `field` names what was at fault. */
export class DebuginfoError extends Error {
  constructor(
    readonly code: DebuginfoErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly offset: number | null = null,
  ) {
    super(message);
    this.name = 'DebuginfoError';
  }
}

/** Nothing matched; `tried` lists every place looked at and why it did not qualify. */
export class DebuginfoNotFoundError extends DebuginfoError {
  constructor(
    message: string,
    readonly tried: readonly string[],
  ) {
    super('NOT_FOUND', message);
    this.name = 'DebuginfoNotFoundError';
  }
}

const BUILD_ID = /^[0-9a-f]{2,128}$/;

/** Lower-case hex, even length: the only shape allowed into paths and URLs. */
export function normalizeBuildId(id: string): string {
  const b = id.trim().toLowerCase();
  if (!BUILD_ID.test(b) || b.length % 2 !== 0)
    throw new DebuginfoError('BAD_BUILD_ID', `not a build-id: ${JSON.stringify(id)}`, 'buildId');
  return b;
}
