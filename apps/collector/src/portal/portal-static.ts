import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the portal never answers: the API and the operational endpoints. */
const NOT_PORTAL = /^\/(api|health|metrics)(\/|$)/;

/**
 * The page is ours only: scripts, styles, fonts and images from this origin (no CDN), no
 * framing. `style-src 'unsafe-inline'` because Uppy's Dashboard positions elements with style
 * attributes; scripts stay strict.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function send(res: Response, file: string, size: number, immutable: boolean, head: boolean): void {
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(size));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (file.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
  }
  if (head) {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

/**
 * Serves the portal's build (PORTAL_DIR, default apps/portal/dist): files by path, hashed
 * `assets/*` cached forever, and `index.html` for any other GET without a file extension so the
 * single-page app's own routes (`/dumps/<id>`) load on reload. Hand-written (~50 lines) rather
 * than pulling serve-static, which the collector does not otherwise depend on.
 */
export function portalStatic(root: string) {
  const index = join(root, 'index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_PORTAL.test(req.path)) {
      next();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(req.path);
    } catch {
      next();
      return;
    }
    const file = normalize(join(root, rel));
    const head = req.method === 'HEAD';
    if (file.startsWith(root + sep) && existsSync(file)) {
      const st = statSync(file);
      if (st.isFile()) {
        send(res, file, st.size, rel.startsWith('/assets/'), head);
        return;
      }
    }
    if (extname(rel) === '' && existsSync(index)) {
      send(res, index, statSync(index).size, false, head);
      return;
    }
    next();
  };
}
