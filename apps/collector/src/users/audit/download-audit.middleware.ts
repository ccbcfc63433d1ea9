import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { UserAuthority } from '../auth/user-authority.js';
import type { DownloadAudit } from './download-audit.js';

/** `/api/v1/dumps/<uuid>/file` and `/api/v1/dumps/<uuid>/results/<name>` */
const DOWNLOAD =
  /^\/api\/v1\/dumps\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(file|results\/([^/?#]+))\/?$/i;

/**
 * Records every answered download (200/206) once the response is finished, with whoever the
 * guard let through. A middleware rather than code in the controllers, so every download route,
 * present and future under those paths, is covered the same way.
 */
export function downloadAuditMiddleware(
  audit: DownloadAudit,
  authority: UserAuthority,
  log: Logger,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const m = req.method === 'GET' ? DOWNLOAD.exec(req.path) : null;
    if (m) {
      res.once('finish', () => {
        if (res.statusCode !== 200 && res.statusCode !== 206) return;
        void (async () => {
          const who = await authority.identify(req);
          const length = Number(res.getHeader('content-length'));
          await audit.record({
            actor: who?.actor ?? 'unknown',
            role: who?.role ?? 'unknown',
            dumpId: m[1]!.toLowerCase(),
            item: m[3] ? decodeURIComponent(m[3]) : 'file',
            range: typeof req.headers.range === 'string' ? req.headers.range.slice(0, 128) : null,
            status: res.statusCode,
            bytes: Number.isFinite(length) ? length : null,
            remoteAddress: req.ip ?? req.socket.remoteAddress ?? null,
          });
        })().catch((err: unknown) =>
          log.error({ err: String(err), path: req.path }, 'download audit record failed'),
        );
      });
    }
    next();
  };
}
