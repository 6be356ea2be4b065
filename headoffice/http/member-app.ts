/**
 * Serves the member's own page (headoffice/member, built by `npm run build:member-app` into
 * headoffice/member/dist) at `/m/`, its hashed files under `/m/assets/`, with the same strict
 * CSP as the head-office application (http/app.ts). `/m` redirects to `/m/`.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_CSP } from './app.js';

export const DEFAULT_MEMBER_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'member', 'dist');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const HEADERS = {
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
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': body.length, 'cache-control': cache });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The member page's GET/HEAD paths from `dir`; false for anything else. */
export async function serveMemberApp(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  dir: string,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/m') {
    res.writeHead(308, { ...HEADERS, location: '/m/', 'content-length': 0 });
    res.end();
    return true;
  }
  if (pathname === '/m/') {
    const html = await readOrNull(join(dir, 'index.html'));
    if (!html) {
      const text = 'The member page is not built. Run `npm run build:member-app` and reload.\n';
      answer(req, res, 503, 'text/plain; charset=utf-8', Buffer.from(text), 'no-store');
      return true;
    }
    answer(req, res, 200, 'text/html; charset=utf-8', html, 'no-store');
    return true;
  }
  const m = /^\/m\/assets\/([A-Za-z0-9][A-Za-z0-9._-]{0,200})$/.exec(pathname);
  if (!m?.[1]) return false;
  const type = TYPES[extname(m[1])];
  const body = type ? await readOrNull(join(dir, 'assets', m[1])) : null;
  if (!type || !body) return false;
  answer(req, res, 200, type, body, 'public, max-age=31536000, immutable');
  return true;
}
