/**
 * Serves head office's web application (headoffice/app, built by `npm run build:hq-app` into
 * headoffice/app/dist) at `/` and `/dashboard`, and its hashed files under `/assets/`.
 *
 *   path               answer
 *   / and /dashboard   index.html, no-store (it holds no data: the app asks the operator
 *                      endpoints with the token the operator types)
 *   /assets/<name>     that built file, cacheable for a year (its name carries its hash);
 *                      a name is letters, digits, '.', '_' and '-' only, so no path can
 *                      leave the folder
 *   not built          503 with the command that builds it
 *
 * Every answer carries the CSP below: everything from 'self' only, nothing inline, so a
 * script can never be swapped for injected markup. Only GET and HEAD; anything else falls
 * through to the API router.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build:hq-app` writes the app; HQ_APP_DIR (or the option) points elsewhere. */
export const DEFAULT_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'app', 'dist');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export const STATIC_HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer,
  cache: string,
): void {
  res.writeHead(status, {
    ...STATIC_HEADERS,
    'content-type': type,
    'content-length': body.length,
    'cache-control': cache,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A built app's index.html (no-store), or 503 with `notBuilt` when the app is not built. */
export async function serveIndex(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  notBuilt: string,
): Promise<true> {
  const html = await readOrNull(join(dir, 'index.html'));
  if (!html) answer(req, res, 503, 'text/plain; charset=utf-8', Buffer.from(notBuilt), 'no-store');
  else answer(req, res, 200, TYPES['.html'] ?? 'text/html', html, 'no-store');
  return true;
}

/** `<prefix>assets/<name>` from `dir`/assets, cacheable for a year; false when it is no such file. */
export async function serveAsset(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  prefix: string,
  dir: string,
): Promise<boolean> {
  if (!pathname.startsWith(`${prefix}assets/`)) return false;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,200})$/.exec(pathname.slice(prefix.length + 'assets/'.length));
  if (!m?.[1]) return false;
  const type = TYPES[extname(m[1])];
  const body = type ? await readOrNull(join(dir, 'assets', m[1])) : null;
  if (!type || !body) return false;
  answer(req, res, 200, type, body, 'public, max-age=31536000, immutable');
  return true;
}

/** Serves the app's GET/HEAD paths from `dir`; false for anything else (left to the API router). */
export async function serveApp(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  dir: string,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/' || pathname === '/dashboard') {
    return serveIndex(
      req,
      res,
      dir,
      'The head-office web application is not built. Run `npm run build:hq-app` (or start head office ' +
        'with `npm run headoffice`, which builds it first) and reload.\n',
    );
  }
  return serveAsset(req, res, pathname, '/', dir);
}
