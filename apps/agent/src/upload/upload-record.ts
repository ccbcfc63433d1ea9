import { CollectorError, errorForStatus } from './collector-errors.js';

export interface UploadRecord {
  uploadId: string;
  dumpId: string;
  sha256: string;
  state: string;
}

/**
 * Asks the collector's nodes module which dump record a tus upload became
 * (`GET /api/v1/nodes/:node/uploads/:uploadId`, upload token); null when it has none.
 */
export async function lookupUploadRecord(
  collectorUrl: string,
  token: string,
  node: string,
  uploadId: string,
): Promise<UploadRecord | null> {
  let res: Response;
  try {
    res = await fetch(
      `${collectorUrl}/api/v1/nodes/${encodeURIComponent(node)}/uploads/${encodeURIComponent(uploadId)}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
  } catch (err) {
    throw new CollectorError('UNREACHABLE', `collector unreachable: ${(err as Error).message}`);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw errorForStatus(res.status, await res.text(), 'looking up the upload');
  const body = (await res.json()) as Partial<UploadRecord>;
  if (typeof body.dumpId !== 'string' || typeof body.sha256 !== 'string') return null;
  return body as UploadRecord;
}
