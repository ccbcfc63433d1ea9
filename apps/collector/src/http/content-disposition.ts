/**
 * `Content-Disposition: attachment` carrying the original file name: an ASCII fallback in
 * `filename=` and the exact name in RFC 5987/8187 `filename*=UTF-8''…` for clients that read it.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
