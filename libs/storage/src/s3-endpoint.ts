/** Where an S3 server is, as the minio client wants it. */
export interface S3Endpoint {
  endPoint: string;
  port: number;
  useSSL: boolean;
}

/**
 * Parses `http://host:port` / `https://host` (path-style servers such as Ceph RGW or MinIO).
 * A path, query or credentials in the URL are rejected rather than silently ignored.
 */
export function parseS3Endpoint(url: string): S3Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(
      `S3 endpoint ${JSON.stringify(url)} is not a URL (expected http://host:port)`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`S3 endpoint ${JSON.stringify(url)} must use http or https`);
  }
  if (u.username || u.password)
    throw new TypeError('S3 endpoint must not carry credentials; use the access/secret keys');
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    throw new TypeError(
      `S3 endpoint ${JSON.stringify(url)} must not have a path or query (buckets are path-style)`,
    );
  }
  const useSSL = u.protocol === 'https:';
  return {
    endPoint: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : useSSL ? 443 : 80,
    useSSL,
  };
}
