/**
 * `attachment` Content-Disposition for a download name (RFC 6266): a sanitised ASCII
 * `filename=` for old clients plus the exact UTF-8 name in `filename*=`. Path separators and
 * control characters are replaced, so the header can neither break nor name a directory.
 */
export function contentDisposition(
  filename: string,
  type: 'attachment' | 'inline' = 'attachment',
): string {
  // eslint-disable-next-line no-control-regex
  const safe = filename.replace(/[\x00-\x1f\x7f/\\]/g, '_').trim() || 'download';
  const ascii = safe.replace(/[^\x20-\x7e]|["%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
