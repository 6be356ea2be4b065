/** A small route table: method + path pattern with `{name}` segments. No framework needed for a dozen routes. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

export interface Reply {
  status: number;
  body: unknown;
  /** a till's sync answer: signed with head office's Ed25519 key over its request's signature (core/sync/sign.ts) */
  sign?: { requestSignature: string };
  /** `body` already as JSON, text or its UTF-8 bytes (a feed page assembled from kept pieces); sent, and signed, as is */
  json?: string | Buffer;
  /** an answer that is no JSON (a CSV export): `body` is its text, sent as is with these headers */
  raw?: { contentType: string; filename?: string };
  /** extra headers (a member session's Set-Cookie) */
  headers?: Record<string, string>;
  /** gzip it for a client that accepts it, when large enough (http/compress.ts): the feed's pages only */
  compressible?: true;
}

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  /** the request target exactly as received (signatures cover it) */
  target: string;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/'), handler });
    return this;
  }

  /** Every route as [METHOD, pattern], for the OpenAPI document's completeness test. */
  list(): [string, string][] {
    return this.routes.map((r) => [r.method, r.parts.join('/')]);
  }

  /** 404 for an unknown path, 405 for a known path with another method. */
  /** The handler, path parameters and the route's pattern (a metrics label: bounded, unlike paths). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; route: string } {
    const segs = path.split('/');
    let pathKnown = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      const ok = r.parts.every((p, i) => {
        const s = segs[i] as string;
        if (p.startsWith('{') && p.endsWith('}')) {
          if (s === '') return false;
          try {
            params[p.slice(1, -1)] = decodeURIComponent(s);
          } catch {
            return false;
          }
          return true;
        }
        return p === s;
      });
      if (!ok) continue;
      pathKnown = true;
      if (r.method === method) return { handler: r.handler, params, route: r.parts.join('/') };
    }
    if (pathKnown) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}`);
    throw new HttpError(404, 'not_found', `no such endpoint: ${path}`);
  }
}
