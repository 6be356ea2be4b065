/**
 * The till's loopback HTTP server: the POS integration API (CONTRACTS.md) with API-key auth,
 * the contract's error format, server-sent events and the generated OpenAPI document.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TillContext } from '../service/context.js';
import type { TillEvent } from '../../core/events.js';
import { TillError } from '../service/errors.js';
import { HostAllowList } from './hosts.js';
import { errorAnswer, parseJsonBody, readBody, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { routes, type Route } from './routes.js';
import { SCREEN } from './signin-delay.js';
import { PosKey, tokenDigest, type Principal, type StaffAuth } from './staff.js';
import { serveStatic } from './static.js';

export interface ApiServer {
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Who is calling: the POS (its API key) or a signed-in staff member (a session token), both
 * as `Authorization: Bearer <token>`; the key is compared in constant time via SHA-256 digests
 * and sessions are looked up by the token's digest. GET /v1/events also takes a single-use
 * `?ticket=` (EventSource cannot send headers). null = not authorised.
 */
function authorise(req: IncomingMessage, url: URL, posKey: PosKey, staff: StaffAuth | undefined): Principal | null {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (m) {
    const presented = tokenDigest(m[1] ?? '');
    if (posKey.matches(presented)) return { kind: 'pos' };
    const session = staff?.sessionByDigest(presented);
    return session ? { kind: 'staff', session } : null;
  }
  const ticket = url.searchParams.get('ticket');
  if (ticket && staff && req.method === 'GET' && url.pathname === '/v1/events') {
    const session = staff.redeemTicket(ticket);
    if (session) return { kind: 'staff', session };
  }
  return null;
}

/**
 * A `%`-escape that does not decode (`/v1/members/%E0%A4%A`) is the caller's mistake: a typed
 * 400 before authentication, never a URIError reaching the 500 path with its stack in the log.
 * Every later decode (route parameters, static files) sees a path that decodes.
 */
function refuseMalformedPath(pathname: string): void {
  try {
    decodeURIComponent(pathname);
  } catch {
    throw new TillError('malformed_path', 'the path has a malformed %-escape');
  }
}

/** The screen header the Electron shell adds to its window's requests (window.ts). */
export const SCREEN_HEADER = 'x-till-screen';

/**
 * Where a request comes from, for the sign-in delay (signin-delay.ts): SCREEN when it carries the
 * shell's per-run secret, else the remote address (IPv4-mapped IPv6 folded to IPv4).
 */
function clientOf(req: IncomingMessage, screenSecret: Buffer | null): string {
  const presented = req.headers[SCREEN_HEADER];
  if (screenSecret && typeof presented === 'string') {
    if (timingSafeEqual(tokenDigest(presented), screenSecret)) return SCREEN;
  }
  return `addr:${(req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '')}`;
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
      params[n] = decodeURIComponent(m[i + 1] ?? ''); // the whole path was checked by refuseMalformedPath
    });
    return { route: c.route, params, pathKnown };
  }
  return { route: null, params: {}, pathKnown };
}

export function createApiServer(
  ctx: TillContext,
  opts: {
    posApiKey: string;
    hqUrl: string | null;
    extraRoutes?: readonly Route[];
    /** staff sessions for the cashier UI; without it only the POS key is accepted */
    staff?: StaffAuth;
    /** the POS key holder when it can be rotated at run time (overrides posApiKey) */
    posKey?: PosKey;
    /** the built cashier UI, served at `/`; null/absent: no UI (404 as before) */
    staticDir?: string | null;
    /** Host names answered besides loopback (TILL_ALLOWED_HOSTS; main/api/hosts.ts) */
    allowedHosts?: readonly string[];
    /** the Electron shell's per-run secret marking its own window's requests (sign-in delay) */
    screenSecret?: string | null;
  },
): ApiServer {
  const table = routes({ hqUrl: opts.hqUrl, extra: opts.extraRoutes ?? [] });
  const compiled = table.map(compile);
  const posKey = opts.posKey ?? new PosKey(opts.posApiKey, '', true);
  let openapi: string | null = null;
  const streams = new Set<ServerResponse>();
  const hosts = new HostAllowList(opts.allowedHosts ?? []);
  const screenSecret = opts.screenSecret ? tokenDigest(opts.screenSecret) : null;

  /**
   * The request target as a URL. Some targets are none (`//[`, `//a:b@`, `//:99999/x`: a path
   * starting with `//` reads as an authority): the caller's mistake, answered 400 like a path
   * that does not decode, not a TypeError escaping the handler (which left the connection
   * without an answer and the rejection unhandled).
   */
  function requestUrl(target: string): URL {
    try {
      return new URL(target, 'http://till.local');
    } catch {
      throw new TillError('malformed_path', 'the request target is no valid URL');
    }
  }

  /** Before anything else: a Host that is not the till's own (DNS rebinding), then a path that does not decode. */
  function frontDoor(req: IncomingMessage, url: URL): void {
    if (!hosts.allows(req.headers.host)) {
      throw new TillError(
        'host_not_allowed',
        'this till answers only to its own address; add the name to TILL_ALLOWED_HOSTS to reach it by another',
      );
    }
    refuseMalformedPath(url.pathname);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let routeName = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    try {
      const url = requestUrl(req.url ?? '/');
      routeName = `${req.method} ${url.pathname}`;
      frontDoor(req, url);
      if (req.method === 'GET' && url.pathname === '/v1/openapi.json') {
        openapi ??= JSON.stringify(openApiDocument(table));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(openapi);
        return;
      }
      if (!url.pathname.startsWith('/v1/')) {
        if (opts.staticDir) {
          await serveStatic(req, res, opts.staticDir);
          return;
        }
        throw new TillError('not_found', `no such endpoint: ${url.pathname}`);
      }
      const principal = authorise(req, url, posKey, opts.staff);
      const { route, params, pathKnown } = match(compiled, req.method ?? '', url.pathname);
      if (!principal && !route?.public) {
        throw new TillError(
          'unauthorized',
          'present the POS API key or a staff session as Authorization: Bearer <token>',
        );
      }
      if (principal && req.method === 'GET' && url.pathname === '/v1/events') {
        const lastId = req.headers['last-event-id'] ?? url.searchParams.get('after');
        const after = typeof lastId === 'string' && /^\d{1,15}$/.test(lastId) ? Number(lastId) : null;
        openEventStream(res, principal, after);
        return;
      }
      if (!route) {
        if (pathKnown) throw new TillError('method_not_allowed', `${req.method} is not allowed here`);
        throw new TillError('not_found', `no such endpoint: ${url.pathname}`);
      }
      let body: unknown = undefined;
      if (route.request) body = parseJsonBody(req, await readBody(req));
      const approval = req.headers['x-supervisor-approval'];
      const admission =
        principal && opts.staff
          ? opts.staff.admit(
              principal,
              req.method ?? '',
              url.pathname,
              body,
              typeof approval === 'string' ? approval : undefined,
            )
          : { body, done: () => {} };
      body = admission.body;
      let answer;
      try {
        answer = await route.handle(ctx, body, {
          body,
          params,
          query: url.searchParams,
          client: clientOf(req, screenSecret),
          ...(principal ? { principal } : {}),
        });
      } catch (e) {
        admission.done(false);
        throw e;
      }
      admission.done(true);
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

  function openEventStream(res: ServerResponse, principal: Principal, after: number | null): void {
    const session = principal.kind === 'staff' ? principal.session : null;
    // A staff stream ends with its session (sign-out, expiry, deactivation, demotion); the UI
    // then signs in again. A POS stream ends when the key it was opened with is rotated.
    const live = (): boolean => {
      if (!session || opts.staff?.alive(session)) return true;
      res.end();
      return false;
    };
    const stopOnRotate = principal.kind === 'pos' ? posKey.onRotate(() => res.end()) : () => false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const send = ({ id, event }: { id: number; event: TillEvent }): void => {
      if (!res.writableEnded && live())
        res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // A reconnecting stream gets what it missed; replay and subscribe run in one tick, so nothing
    // published in between is lost or sent twice.
    if (after !== null) for (const m of ctx.events.since(after)) send(m);
    const unsubscribe = ctx.events.subscribe(send);
    const ping = setInterval(() => {
      if (!res.writableEnded && live()) res.write(': ping\n\n');
    }, 15_000);
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      stopOnRotate();
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
          hosts.bind(a.port, host);
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
