/**
 * The till's loopback HTTP server: the POS integration API (CONTRACTS.md) with API-key auth,
 * the contract's error format, server-sent events and the generated OpenAPI document.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { errorAnswer, parseJsonBody, readBody, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { routes, type Route } from './routes.js';

export interface ApiServer {
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison of the presented bearer token with the POS key. */
function authorised(req: IncomingMessage, keyDigest: Buffer): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  return m !== null && timingSafeEqual(digest(m[1] ?? ''), keyDigest);
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] ?? '');
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

function match(table: readonly CompiledRoute[], method: string, path: string) {
  let pathKnown = false;
  for (const c of table) {
    const m = c.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (c.route.method !== method) continue;
    const params: Record<string, string> = {};
    c.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route: c.route, params, pathKnown };
  }
  return { route: null, params: {}, pathKnown };
}

export function createApiServer(
  ctx: TillContext,
  opts: { posApiKey: string; hqUrl: string | null; extraRoutes?: readonly Route[] },
): ApiServer {
  const table = routes({ hqUrl: opts.hqUrl, extra: opts.extraRoutes ?? [] });
  const compiled = table.map(compile);
  const keyDigest = digest(opts.posApiKey);
  let openapi: string | null = null;
  const streams = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://till.local');
    const routeName = `${req.method} ${url.pathname}`;
    try {
      if (req.method === 'GET' && url.pathname === '/v1/openapi.json') {
        openapi ??= JSON.stringify(openApiDocument(table));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(openapi);
        return;
      }
      if (!url.pathname.startsWith('/v1/')) throw new TillError('not_found', `no such endpoint: ${url.pathname}`);
      if (!authorised(req, keyDigest)) {
        throw new TillError('unauthorized', 'present the POS API key as Authorization: Bearer <key>');
      }
      if (req.method === 'GET' && url.pathname === '/v1/events') {
        openEventStream(res);
        return;
      }
      const { route, params, pathKnown } = match(compiled, req.method ?? '', url.pathname);
      if (!route) {
        if (pathKnown) throw new TillError('method_not_allowed', `${req.method} is not allowed here`);
        throw new TillError('not_found', `no such endpoint: ${url.pathname}`);
      }
      let body: unknown = undefined;
      if (route.request) body = parseJsonBody(req, await readBody(req));
      const answer = await route.handle(ctx, body, { body, params, query: url.searchParams });
      if (answer.contentType) {
        const raw = typeof answer.body === 'string' ? Buffer.from(answer.body) : (answer.body as Buffer);
        res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': raw.length });
        res.end(raw);
      } else {
        sendJson(res, answer.status, answer.body);
      }
    } catch (e) {
      const a = errorAnswer(e, ctx.log, routeName);
      if (a.status >= 400 && a.status < 500) {
        ctx.log.log('warn', 'request_refused', { route: routeName, status: a.status, code: a.body.error.code });
      }
      if (!res.headersSent) sendJson(res, a.status, a.body);
      else res.destroy();
      // An oversize body is left unread; close so the client is not stuck writing it.
      if (a.status === 413) req.destroy();
    }
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = ctx.events.subscribe(({ id, event }) => {
      res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${host}:${a.port}`);
        });
      });
    },
    close() {
      for (const s of streams) s.end();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
