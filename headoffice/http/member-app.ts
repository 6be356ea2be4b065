/**
 * Serves the member's own page (headoffice/member, built by `npm run build:member-app` into
 * headoffice/member/dist) at `/m/`, its hashed files under `/m/assets/`, with the same strict
 * CSP and answers as the head-office application (http/app.ts). `/m` redirects to `/m/`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATIC_HEADERS, serveAsset, serveIndex } from './app.js';

export const DEFAULT_MEMBER_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'member', 'dist');

/** The member page's GET/HEAD paths from `dir`; false for anything else. */
export async function serveMemberApp(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  dir: string,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/m') {
    res.writeHead(308, { ...STATIC_HEADERS, location: '/m/', 'content-length': 0 });
    res.end();
    return true;
  }
  if (pathname === '/m/') {
    return serveIndex(req, res, dir, 'The member page is not built. Run `npm run build:member-app` and reload.\n');
  }
  return serveAsset(req, res, pathname, '/m/', dir);
}
