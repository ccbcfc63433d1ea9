/** The collector said no, or could not be reached: one line, with what to do. */
export class CollectorError extends Error {
  constructor(
    readonly code:
      | 'UNAUTHORIZED'
      | 'FORBIDDEN'
      | 'SHA256_MISMATCH'
      | 'TOO_LARGE'
      | 'REJECTED'
      | 'UNREACHABLE'
      | 'NO_RECORD',
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'CollectorError';
  }

  /** Worth trying again later with the same bytes (network, server trouble). */
  get transient(): boolean {
    return this.code === 'UNREACHABLE' || this.code === 'NO_RECORD';
  }
}

export function errorForStatus(status: number, body: string, what: string): CollectorError {
  const detail = body.trim().slice(0, 200).replace(/\s+/g, ' ');
  if (status === 401)
    return new CollectorError(
      'UNAUTHORIZED',
      `${what}: the collector refused the upload token (401); check uploadToken`,
      status,
    );
  if (status === 403)
    return new CollectorError('FORBIDDEN', `${what}: the token may not do this (403)`, status);
  if (status === 460)
    return new CollectorError(
      'SHA256_MISMATCH',
      `${what}: the collector found the bytes differ from the declared sha256/size (460): ${detail}`,
      status,
    );
  if (status === 413)
    return new CollectorError(
      'TOO_LARGE',
      `${what}: larger than the collector accepts (413)`,
      status,
    );
  if (status >= 500 || status === 0)
    return new CollectorError(
      'UNREACHABLE',
      `${what}: collector error ${status}: ${detail}`,
      status,
    );
  return new CollectorError('REJECTED', `${what}: collector answered ${status}: ${detail}`, status);
}
