/**
 * The head-office server (node:http, no framework): wires the store, the auth and the routes,
 * and turns every refusal into the CONTRACTS.md error body. A 5xx only ever means a defect.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, BlockList } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyObject } from 'node:crypto';
import { HQ_SIGNATURE_HEADER, hqPublicKeyText, signAnswer } from '../core/sync/sign.js';
import { OperatorAuth } from './auth/operator.js';
import { ReplayCache } from './auth/replay.js';
import { BodyGate } from './http/gate.js';
import { DEFAULT_APP_DIR, serveApp } from './http/app.js';
import { headOfficeOpenApi } from './openapi.js';
import { isPgReadOnly, isPgStorageFull } from '../storage/pg-errors.js';
import { isSqliteReadOnly, isStorageFull } from '../storage/sqlite-errors.js';
import { BodyTooLargeError } from './http/body.js';
import { acceptsGzip, FEED_GZIP_MIN_BYTES, gzipped } from './http/compress.js';
import { HttpError } from './http/errors.js';
import { noteClientAddress } from './http/proxies.js';
import { Router, type Reply } from './http/router.js';
import { createLogger, type Logger } from './log.js';
import { LOG_FILE, openAnswerKey, openHeadOfficeStore } from './open.js';
import { tillHqPublicKeys } from './answer-key.js';
import { HqMetrics } from './metrics.js';
import type { AppDeps } from './routes/deps.js';
import { feedbackRoutes } from './routes/feedback.js';
import { campaignRoutes } from './routes/campaigns.js';
import { segmentRoutes } from './routes/segments.js';
import { meRoutes } from './routes/me.js';
import { surveyRoutes } from './routes/survey.js';
import { FileChannel, MESSAGES_FILE, sendThrough, type MessageChannel } from './messages/channel.js';
import { loadOrCreateMemberQrKey } from './member-qr-key.js';
import { serveMemberApp, DEFAULT_MEMBER_APP_DIR } from './http/member-app.js';
import { operatorRoutes } from './routes/operator.js';
import { membersReportRoutes } from './routes/members-report.js';
import { provisioningRoutes } from './routes/provisioning.js';
import { syncRoutes } from './routes/sync.js';
import { EOD_META_KEY, type HqStore } from './store/types.js';

export interface HeadOfficeOptions {
  dataDir: string;
  /** postgres://... to use PostgreSQL (HQ_DATABASE_URL); the embedded SQLite file otherwise */
  databaseUrl?: string | null;
  port: number;
  host?: string;
  /** HQ_OPERATOR_TOKEN; when absent one is generated on first start and returned once */
  operatorToken?: string | null;
  now?: () => Date;
  /** log lines on stderr too (always in HQ_DATA_DIR/headoffice.log) */
  logToStderr?: boolean;
  /** request bodies read at once per client address (http/gate.ts); default 4 */
  maxBodiesPerClient?: number;
  /** HQ_METRICS_TOKEN: the bearer token of `GET /metrics`; null: metrics are off */
  metricsToken?: string | null;
  /** HQ_FEED_GZIP: feed pages gzipped for a till that accepts it (http/compress.ts); default true */
  feedGzip?: boolean;
  /** HQ_TRUSTED_PROXIES: the load balancers whose X-Forwarded-For names the client (http/proxies.ts) */
  trustedProxies?: BlockList | null;
  /** PEM certificate chain and key (HQ_TLS_CERT, HQ_TLS_KEY): serve https:// instead of http:// */
  tls?: { cert: string; key: string } | null;
  /** the built web application served at `/` (HQ_APP_DIR); default headoffice/app/dist */
  appDir?: string;
  /** the built member page served at `/m/` (HQ_MEMBER_APP_DIR); default headoffice/member/dist */
  memberAppDir?: string;
  /** how messages reach members; default the simulated channel, HQ_DATA_DIR/messages.jsonl */
  channel?: MessageChannel;
  /** how often the outbox's sender looks for due messages (default OUTBOX_CHECK_MS); 0: never (tests drive sendOutbox) */
  outboxCheckMs?: number;
}

export interface HeadOffice {
  url: string;
  port: number;
  /** the operator token generated on this start, to print once; null when none was generated */
  generatedOperatorToken: string | null;
  /** head office's answer-signing public key as TILL_HQ_PUBLIC_KEY spells it (core/sync/sign.ts) */
  publicKey: string;
  store: HqStore;
  /** Resolves once the work begun after replies so far has ended (AppDeps.afterReply): a sign-in code sent and recorded. */
  idle(): Promise<void>;
  /** Stops answering, waits for the work begun after replies, then closes the store. */
  close(): Promise<void>;
}

const VERSION = (
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * DECISION: the end-of-day run's timer looks this often whether the programme's local date has
 * moved past the last run's, so the run starts within minutes after local midnight whatever
 * the zone, DST or a sleeping machine did to wall-clock arithmetic. A head office that was down
 * at midnight catches up at the first look after it starts (for today only: expiry and reviews
 * are judged by date, so one run covers the days missed).
 */
export const EOD_CHECK_MS = 5 * 60 * 1000;

/**
 * Starts the daily end-of-day timer (unref'd: it never keeps a process alive); returns its stop.
 * Every process has one; the run is recorded in the database, so of several processes one runs
 * it each day (store runEndOfDayIfDue).
 */
function startEodTimer(
  store: HqStore,
  log: Logger,
  now: () => Date,
  at: { lastRun: string | null; today: string },
): () => void {
  // Nothing recorded yet (a new head office): the first run is at the next midnight.
  const started = at.lastRun === null ? at.today : null;
  const tick = async (): Promise<void> => {
    if (started !== null && (await store.today(now())) <= started) return;
    const report = await store.runEndOfDayIfDue(now());
    if (report) log.log('info', 'eod_run', { ...report, trigger: 'timer' });
  };
  const timer = setInterval(() => {
    // A failed run is logged and tried again at the next look.
    tick().catch((e: unknown) => log.log('error', 'eod_failed', { error: String(e) }));
  }, EOD_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * DECISION: the outbox's sender (store/messages.ts, docs/member-page.md "Messages") looks for due
 * messages this often, in every head-office process; claims are guarded in the store, so several
 * processes share the work without sending a message twice.
 */
export const OUTBOX_CHECK_MS = 5_000;
const OUTBOX_BATCH = 50;

/** Sends due outbox rows through the channel until none is due; returns how many were sent. */
export async function sendOutbox(
  store: HqStore,
  channel: MessageChannel,
  log: Logger,
  now: () => Date,
): Promise<number> {
  let sent = 0;
  for (;;) {
    const claimed = await store.claimOutbox(now(), OUTBOX_BATCH);
    for (const msg of claimed) {
      const result = await sendThrough(channel, msg.to, msg.text, msg.via);
      await store.settleMessage(msg, channel.name, result, now());
      if (result.ok) sent += 1;
      else log.log('warn', 'outbox_send_failed', { memberNo: msg.memberNo, code: result.code, attempts: msg.attempts });
    }
    if (claimed.length < OUTBOX_BATCH) return sent;
  }
}

/** Starts the outbox's sender (unref'd); returns its stop, which waits for a send under way. */
function startOutboxSender(
  store: HqStore,
  channel: MessageChannel,
  log: Logger,
  now: () => Date,
  everyMs: number,
): () => Promise<void> {
  if (everyMs <= 0) return async () => {};
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sendOutbox(store, channel, log, now)
      .catch((e: unknown) => log.log('error', 'outbox_failed', { error: String(e) }))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * AppDeps.afterReply and what waits for it. A task is deferred with setImmediate: the handler's
 * reply is written (router, then `send`) in the microtasks after it returns, before any check
 * phase. The tasks under way are kept so that `idle` (close, tests) never misses one.
 */
function afterReplies(log: Logger): { afterReply: AppDeps['afterReply']; idle(): Promise<void> } {
  const running = new Set<Promise<void>>();
  return {
    afterReply(name, task) {
      const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch((e: unknown) => log.log('error', 'after_reply_failed', { task: name, error: String(e) }))
        .finally(() => running.delete(done));
      running.add(done);
    },
    async idle() {
      // A task may start another; wait until none is left.
      while (running.size > 0) await Promise.all(running);
    },
  };
}

function errorReply(e: HttpError): Reply {
  const error = { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  return { status: e.status, body: { error, ...e.extra } };
}

/**
 * DECISION: an idle connection is kept 15 s, not Node's 5 s. Tills sync every 5 s
 * (TILL_SYNC_INTERVAL_MS), so with 5 s every poll found its connection just closed and opened a
 * new one (a TLS handshake in production); at a thousand tills the reconnects overflowed the
 * listen queue and made most of the tail of upload times (headoffice/README.md, "Load"). Clients
 * read the `Keep-Alive: timeout=15` hint and close first. Below headersTimeout, which still
 * bounds a slow client.
 */
export const HQ_KEEP_ALIVE_MS = 15_000;

async function send(
  res: ServerResponse,
  reply: Reply,
  close: boolean,
  answerKey: KeyObject,
  /** a marked page to a client that accepts gzip, with HQ_FEED_GZIP on */
  gzip: boolean,
  metrics: HqMetrics,
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  if (reply.raw) {
    const text = Buffer.from(String(reply.body), 'utf8');
    res.writeHead(reply.status, {
      'content-type': reply.raw.contentType,
      'content-length': text.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(reply.raw.filename ? { 'content-disposition': `attachment; filename="${reply.raw.filename}"` } : {}),
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(text);
    return;
  }
  // Encoded once: the length, the signature's hash and the socket all take these bytes.
  const json = reply.json ?? JSON.stringify(reply.body);
  const body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  const sign = reply.sign;
  // Signed as JSON, sent gzipped where it pays (http/compress.ts): the till verifies what it inflated.
  const signature = sign ? signAnswer(answerKey, reply.status, sign.requestSignature, body) : null;
  const zipped = gzip && body.length >= FEED_GZIP_MIN_BYTES ? await gzipped(body) : null;
  if (reply.compressible) metrics.feedPage(body.length, zipped?.length ?? body.length);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, {
    ...reply.headers,
    ...(signature ? { [HQ_SIGNATURE_HEADER]: signature } : {}),
    'content-type': 'application/json; charset=utf-8',
    'content-length': (zipped ?? body).length,
    ...(zipped ? { 'content-encoding': 'gzip' } : {}),
    ...(reply.compressible ? { vary: 'accept-encoding' } : {}),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(zipped ?? body);
}

/**
 * Batches acknowledged to tills and not applied yet: normally none, or a backlog draining.
 * Why applying fails is in the log, not in this unauthenticated answer.
 */
async function inboxHealth(app: AppDeps): Promise<{
  batches: number;
  entries: number;
  oldestReceivedAt: string | null;
  failing: boolean;
  stuckTills: string[];
}> {
  const { applyError, ...rest } = await app.store.backlog();
  return { ...rest, failing: applyError !== null };
}

/**
 * DECISION: metrics need their own token (HQ_METRICS_TOKEN), not an operator's: a scraper's
 * configuration is read by more people than the programme's operators, and this token opens
 * nothing else. Unset, the endpoint answers 404 as if absent.
 */
async function metricsReply(metrics: HqMetrics, req: IncomingMessage): Promise<Reply> {
  if (!metrics.enabled) throw new HttpError(404, 'metrics_off', 'metrics are off: set HQ_METRICS_TOKEN to serve them');
  if (!metrics.admits(req.headers.authorization))
    throw new HttpError(401, 'unauthorized', 'metrics need HQ_METRICS_TOKEN as a bearer token');
  return { status: 200, body: await metrics.text(), raw: { contentType: metrics.contentType } };
}

/** Exported for the OpenAPI completeness test; registering routes touches nothing of `app`. */
export function buildRouter(app: AppDeps): Router {
  const router = new Router();
  let doc: unknown = null;
  router.add('GET', '/v1/openapi.json', async () => {
    doc ??= headOfficeOpenApi(app.version);
    return { status: 200, body: doc };
  });
  router.add('GET', '/v1/health', async () => ({
    status: 200,
    body: { ok: true, version: app.version, storage: app.store.kind, inbox: await inboxHealth(app) },
  }));
  router.add('GET', '/metrics', async ({ req }) => metricsReply(app.metrics, req));
  syncRoutes(router, app);
  operatorRoutes(router, app);
  membersReportRoutes(router, app);
  provisioningRoutes(router, app);
  feedbackRoutes(router, app);
  campaignRoutes(router, app);
  segmentRoutes(router, app);
  meRoutes(router, app);
  surveyRoutes(router, app);
  return router;
}

/**
 * The request target as a URL. Node's parser passes targets WHATWG URL refuses (`//[`, `//a:b@`,
 * `//:99999/x`: an origin-form path starting with `//` reads as an authority), and that is the
 * caller's mistake, so it is a typed 400, not a TypeError reaching the 500 branch as a defect.
 */
function requestUrl(target: string): URL {
  try {
    return new URL(target, 'http://headoffice.invalid');
  } catch {
    throw new HttpError(400, 'invalid_request', 'the request target is no valid URL');
  }
}

interface Serving {
  appDir: string;
  memberAppDir: string;
  router: Router;
  log: Logger;
  answerKey: KeyObject;
  metrics: HqMetrics;
  /** HQ_FEED_GZIP */
  feedGzip: boolean;
}

async function handle(s: Serving, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t0 = performance.now();
  // Requests to no route (a scanner's probes) share one label.
  let route = 'unmatched';
  const out = await answer(s, req, res, (r) => (route = r));
  // Refused before its body was read (unauthenticated, too many at once): close rather than
  // drain, so a stranger's body costs nothing.
  if (out) {
    const close = out.close || (out.reply.status >= 400 && !req.complete);
    // Only a page a route marks is compressed: the header is read for those alone, not every upload.
    const gzip = out.reply.compressible === true && s.feedGzip && acceptsGzip(req.headers['accept-encoding']);
    await send(res, out.reply, close, s.answerKey, gzip, s.metrics);
  }
  const status = out?.reply.status ?? res.statusCode;
  const code = out ? errorCodeOf(out.reply) : '';
  s.metrics.request(req.method ?? 'GET', route, status, code, (performance.now() - t0) / 1000);
}

/** The error code of a refusal's JSON body ("" for a success or a body without one). */
function errorCodeOf(reply: Reply): string {
  if (reply.status < 400) return '';
  const error = (reply.body as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === 'string' ? error.code : '';
}

/** The reply to send, or null when the app's files were served already. */
async function answer(
  { appDir, memberAppDir, router, log }: Serving,
  req: IncomingMessage,
  res: ServerResponse,
  matched: (route: string) => void,
): Promise<{ reply: Reply; close: boolean } | null> {
  const target = req.url ?? '/';
  let reply: Reply;
  let close = false;
  try {
    const url = requestUrl(target);
    if (await serveApp(req, res, url.pathname, appDir)) {
      matched('app');
      return null;
    }
    if (await serveMemberApp(req, res, url.pathname, memberAppDir)) {
      matched('member_app');
      return null;
    }
    const { handler, params, route } = router.match(req.method ?? 'GET', url.pathname);
    matched(route);
    reply = await handler({ req, url, target, params });
  } catch (e) {
    if (e instanceof HttpError) {
      reply = errorReply(e);
      close = e instanceof BodyTooLargeError && e.closeConnection;
      // Every refusal is logged (the path without its query, which may carry a survey token).
      log.log('warn', 'request_refused', {
        method: req.method,
        path: target.split('?')[0],
        status: e.status,
        code: e.code,
        ...(e.field ? { field: e.field } : {}),
      });
    } else if (isStorageFull(e) || isPgStorageFull(e)) {
      // Nothing of the request was committed (one transaction); the till keeps its batch and retries.
      log.log('error', 'storage_full', { method: req.method, path: target.split('?')[0], error: String(e) });
      reply = {
        status: 507,
        body: {
          error: { code: 'storage_full', message: 'head office cannot write: disk full. Nothing was recorded; retry.' },
        },
      };
    } else if (isSqliteReadOnly(e) || isPgReadOnly(e)) {
      // Nothing was committed; the till keeps its batch and retries. The operator's fix is the URL or the failover.
      log.log('error', 'database_read_only', { method: req.method, path: target.split('?')[0], error: String(e) });
      reply = {
        status: 503,
        body: {
          error: {
            code: 'database_read_only',
            message:
              "head office's database takes no writes (a replica, or after a failover). Nothing was recorded; retry.",
          },
        },
      };
    } else {
      log.log('error', 'internal_error', { method: req.method, path: target.split('?')[0], error: String(e) });
      reply = { status: 500, body: { error: { code: 'internal_error', message: 'head office failed; see its log' } } };
    }
  }
  return { reply, close };
}

export async function createHeadOffice(opts: HeadOfficeOptions): Promise<HeadOffice> {
  const now = opts.now ?? (() => new Date());
  const log = createLogger({ file: join(opts.dataDir, LOG_FILE), stderr: opts.logToStderr ?? true });
  const store = await openHeadOfficeStore(opts, log, now());
  const answerKey = openAnswerKey(opts.dataDir);
  const { auth, generated } = await OperatorAuth.setup(store, opts.operatorToken);
  const later = afterReplies(log);
  const metrics = new HqMetrics(store, { version: VERSION }, opts.metricsToken ?? null);
  const app: AppDeps = {
    store,
    metrics,
    log,
    now,
    operator: auth,
    version: VERSION,
    replays: new ReplayCache(),
    bodies: new BodyGate(opts.maxBodiesPerClient),
    hqPublicKey: () => tillHqPublicKeys(opts.dataDir),
    channel: opts.channel ?? new FileChannel(join(opts.dataDir, MESSAGES_FILE), now),
    memberQrKey: loadOrCreateMemberQrKey(opts.dataDir),
    tls: !!opts.tls,
    afterReply: later.afterReply,
  };
  const router = buildRouter(app);
  const appDir = opts.appDir ?? process.env.HQ_APP_DIR ?? DEFAULT_APP_DIR;
  const memberAppDir = opts.memberAppDir ?? process.env.HQ_MEMBER_APP_DIR ?? DEFAULT_MEMBER_APP_DIR;
  // Classes are refreshed by each day's end-of-day run (of several processes, one runs it); at
  // start only when today's has not run, so a rolling restart does not scan every member once
  // per process under the writer lock.
  const eod = { lastRun: await store.getMeta(EOD_META_KEY), today: await store.today(now()) };
  if (eod.lastRun !== eod.today) await store.refreshSegments(now());
  const stopEod = startEodTimer(store, log, now, eod);
  const stopOutbox = startOutboxSender(store, app.channel, log, now, opts.outboxCheckMs ?? OUTBOX_CHECK_MS);

  const proxies = opts.trustedProxies ?? null;
  const serving: Serving = { appDir, memberAppDir, router, log, answerKey, metrics, feedGzip: opts.feedGzip ?? true };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    noteClientAddress(req, proxies);
    void handle(serving, req, res);
  };
  const server = opts.tls
    ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest)
    : createServer(onRequest);
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = HQ_KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  // The public half of the key it signs with: after a promotion, which processes were restarted onto the new key.
  log.log('info', 'headoffice_started', {
    host: addr.address,
    port: addr.port,
    tls: !!opts.tls,
    version: VERSION,
    answerKey: hqPublicKeyText(answerKey),
  });
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}`,
    port: addr.port,
    generatedOperatorToken: generated,
    publicKey: hqPublicKeyText(answerKey),
    store,
    idle: later.idle,
    async close() {
      stopEod();
      await stopOutbox();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Nothing new is answered now; a code being sent is still recorded, never lost unrecorded.
      await later.idle();
      await store.close();
    },
  };
}
