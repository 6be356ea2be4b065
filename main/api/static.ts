/**
 * Serves the built cashier UI (renderer/dist) at `/` with a strict Content-Security-Policy.
 * Only GET and HEAD; no directory listings; no path outside the folder (`..`, encoded
 * separators, NUL and symlinks leading out are refused); unknown paths without a file
 * extension get index.html (the UI routes in the browser), unknown files are 404.
 */
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The UI's policy: everything from the till's own origin, nothing inline, nothing framed,
 * no plugins. Also applied by the Electron shell to every response it loads.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
  "manifest-src 'self'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), payment=()',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

async function fileAt(path: string): Promise<Stats | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

/**
 * The file under `root` a URL path names, or null when it escapes the folder or is not a
 * plain relative path. Exported for tests.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  const base = resolve(root);
  const full = resolve(base, ...parts);
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    plain(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://till.local');
  const base = resolve(root);
  const index = join(base, 'index.html');
  if (!(await fileAt(index))) {
    plain(res, 503, 'The cashier UI is not built: run `npm run build:renderer` and reload.');
    return;
  }
  const wanted = resolveInside(base, url.pathname);
  if (wanted === null) {
    plain(res, 404, 'not found');
    return;
  }
  let file = wanted;
  let info = await fileAt(file);
  if (info) {
    // A symlink inside the folder must not lead out of it.
    const [real, realBase] = await Promise.all([realpath(file), realpath(base)]);
    if (!real.startsWith(realBase + sep)) info = null;
  }
  if (!info) {
    if (extname(url.pathname) !== '') {
      plain(res, 404, 'not found');
      return;
    }
    file = index;
    info = await fileAt(index);
    if (!info) {
      plain(res, 404, 'not found');
      return;
    }
  }
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names built assets by content hash: cache them for good; never cache the page itself.
  const immutable = url.pathname.startsWith('/assets/') && file !== index;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': info.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
