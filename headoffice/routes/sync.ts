/**
 * The till-facing endpoints: batch upload, change feed, sale and member lookup (core/sync/protocol.ts).
 * A member's personal fields leave head office sealed to the asking till (core/sync/personal.ts):
 * the store reads them open, and this layer seals every member record of a feed page or a lookup
 * answer under the key derived from that till's secret before it is signed and sent.
 */
import {
  CHANGES_DEFAULT_LIMIT,
  CHANGES_MAX_LIMIT,
  MEMBER_LOOKUPS_PER_MINUTE,
  MemberLookupRequest,
  RewardReserveRequest,
  SYNC_PATHS,
  UploadBatch,
  TillId,
  type BatchAck,
  type OriginalSale,
  type SealedChangesResponse,
  type SealedMemberLookupAnswer,
  type SealedMemberQrKey,
} from '../../core/sync/protocol.js';
import { sealChanges, sealLookupAnswer } from '../../core/sync/personal.js';
import { sealMemberQrKey } from '../../core/sync/memberqrkey.js';
import { authenticateTill, identifyTill, verifyTill } from '../auth/till.js';
import { bodyCoding, decodeBody, parseJson } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { Reply, Router } from '../http/router.js';
import type { IncomingMessage } from 'node:http';
import { parseTillAuthorization } from '../../core/sync/sign.js';
import type { AppDeps } from './deps.js';
import type { SaleNarrowing } from '../store/types.js';
import { pageBytes, tillPersonalKey } from './feed-json.js';

/** A 2xx answer signed back to the till that asked (core/sync/sign.ts signAnswer; server.ts signs). */
function signed(req: IncomingMessage, reply: Reply): Reply {
  const requestSignature = parseTillAuthorization(req.headers.authorization)?.signature ?? '';
  return { ...reply, sign: { requestSignature } };
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(400, 'bad_query', `${name} must be an integer from ${min} to ${max}`, {}, name);
  }
  return n;
}

/** `afterAt`: the stamp of the till's last change as head office sent it (an ISO 8601 instant). */
function stampParam(url: URL): string | undefined {
  const raw = url.searchParams.get('afterAt');
  if (raw === null) return undefined;
  if (raw.length > 40 || !Number.isFinite(Date.parse(raw))) {
    throw new HttpError(400, 'bad_query', 'afterAt must be the cursorAt of a feed page', {}, 'afterAt');
  }
  return raw;
}

export function syncRoutes(router: Router, app: AppDeps): void {
  router.add('POST', SYNC_PATHS.batches, async ({ req, target }) => {
    // A known till in time before any byte of the body is read; then the signature over the
    // bytes on the wire before inflating or parsing anything.
    const claim = await identifyTill(app, req);
    const raw = await app.bodies.read(req);
    const till = await verifyTill(app, req, target, claim, raw);
    const parsed = UploadBatch.safeParse(parseJson(await decodeBody(raw, req.headers['content-encoding'])));
    if (!parsed.success) throw invalid('invalid_batch', parsed.error);
    const b = parsed.data;
    if (b.tillId !== till.tillId) {
      throw new HttpError(
        403,
        'till_mismatch',
        `authenticated as till ${till.tillId}, uploading for ${b.tillId}`,
        {},
        'tillId',
      );
    }
    if (b.storeId !== till.storeId) {
      throw new HttpError(403, 'store_mismatch', `till ${till.tillId} belongs to store ${till.storeId}`, {}, 'storeId');
    }
    const wire = { bytes: raw, coding: bodyCoding(req.headers['content-encoding']) };
    const out = await app.store.ingest(till, b, app.now(), wire);
    switch (out.kind) {
      case 'ok': {
        if (out.status === 'applied') {
          app.log.log('info', 'batch_applied', {
            tillId: till.tillId,
            ackSeq: out.ackSeq,
            entries: out.appliedEntries,
          });
        }
        const body: BatchAck = { status: out.status, ackSeq: out.ackSeq, headHash: out.headHash };
        return signed(req, { status: 200, body });
      }
      case 'gap':
        throw new HttpError(409, 'sequence_gap', `batch starts at ${b.firstSeq}; resend from ${out.expectedSeq}`, {
          expectedSeq: out.expectedSeq,
        });
      case 'chain_broken':
        app.log.log('warn', 'chain_broken', { tillId: till.tillId, seq: out.seq, reason: out.reason });
        throw new HttpError(422, 'chain_broken', `entry ${out.seq}: ${out.reason}`, { seq: out.seq });
      case 'unavailable':
        // Logged where applying failed (inbox_apply_failed); the till backs off and resends.
        throw new HttpError(503, 'inbox_stuck', out.reason);
      default: {
        const never: never = out;
        throw new Error(`unknown ingest outcome ${JSON.stringify(never)}`);
      }
    }
  });

  router.add('GET', SYNC_PATHS.changes, async ({ req, url, target }) => {
    const till = await authenticateTill(app, req, target, Buffer.alloc(0));
    const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(url, 'limit', CHANGES_DEFAULT_LIMIT, 1, CHANGES_MAX_LIMIT);
    const page = await app.store.changes(till.tillId, { after, afterAt: stampParam(url) }, limit, app.now());
    if (page.rewound) {
      // Head office holds no change of this till's cursor with its stamp: restored from a backup.
      app.log.log('warn', 'feed_rewound', { tillId: till.tillId, ...page.rewound });
    }
    const body: SealedChangesResponse = sealChanges(tillPersonalKey(till.secret), page);
    return signed(req, { status: 200, body, json: pageBytes(body), compressible: true });
  });

  // Head office's member-QR key (docs/member-page.md), sealed to the asking till alone: every
  // till then accepts the member page's codes. Signed back like every sync answer.
  router.add('GET', SYNC_PATHS.memberQrKey, async ({ req, target }) => {
    const till = await authenticateTill(app, req, target, Buffer.alloc(0));
    const body: SealedMemberQrKey = sealMemberQrKey(till.tillId, till.secret, app.memberQrKey);
    app.log.log('info', 'member_qr_key_issued', { tillId: till.tillId, kid: body.kid });
    return signed(req, { status: 200, body });
  });

  saleLookupRoute(router, app);
  memberLookupRoute(router, app);
  rewardReserveRoute(router, app);
}

/**
 * POST /v1/sync/rewards/reserve: one unit of a limited-stock reward held for the asking till
 * (store/stock.ts). Every outcome, "sold out" included, is a signed 200 so the till can trust
 * the figure it learns; only a reservation id reused for another reward is an error (409).
 */
function rewardReserveRoute(router: Router, app: AppDeps): void {
  router.add('POST', SYNC_PATHS.rewardReserve, async ({ req, target }) => {
    const claim = await identifyTill(app, req);
    const raw = await app.bodies.read(req);
    const till = await verifyTill(app, req, target, claim, raw);
    const parsed = RewardReserveRequest.safeParse(parseJson(await decodeBody(raw, req.headers['content-encoding'])));
    if (!parsed.success) throw invalid('invalid_reservation', parsed.error);
    const out = await app.store.reserveReward(till.tillId, parsed.data, app.now());
    switch (out.kind) {
      case 'answer': {
        const a = out.answer;
        app.log.log('info', 'reward_reserve', {
          tillId: till.tillId,
          rewardId: a.rewardId,
          reservationId: a.reservationId,
          outcome: a.outcome,
          remaining: a.remaining,
        });
        return signed(req, { status: 200, body: a });
      }
      case 'conflict':
        throw new HttpError(
          409,
          'reservation_conflict',
          `reservation ${parsed.data.reservationId} already holds reward ${out.rewardId}`,
          {},
          'reservationId',
        );
      default: {
        const never: never = out;
        throw new Error(`unknown reservation outcome ${JSON.stringify(never)}`);
      }
    }
  });
}

/**
 * POST /v1/sync/members/lookup: a member by mobile number for a till of any store, whose
 * cashier has the member in front of them (DOMAIN.md 2 and 12). The phone is in the signed
 * body, never in the URL or the log. Found: the member with name and phone, state and cards,
 * and the till now serves the member (the feed sends it the personal data from then on).
 */
function memberLookupRoute(router: Router, app: AppDeps): void {
  router.add('POST', SYNC_PATHS.memberLookup, async ({ req, target }) => {
    const claim = await identifyTill(app, req);
    const raw = await app.bodies.read(req);
    const till = await verifyTill(app, req, target, claim, raw);
    // Counted in the database (store/lookups.ts): every head-office process holds the till to one limit.
    if (!(await app.store.admitLookup(till.tillId, app.now(), MEMBER_LOOKUPS_PER_MINUTE))) {
      app.log.log('warn', 'member_lookup_limited', { tillId: till.tillId });
      throw new HttpError(
        429,
        'too_many_lookups',
        `at most ${MEMBER_LOOKUPS_PER_MINUTE} member lookups a minute per till; identify by card meanwhile`,
      );
    }
    const parsed = MemberLookupRequest.safeParse(parseJson(await decodeBody(raw, req.headers['content-encoding'])));
    if (!parsed.success) throw invalid('invalid_lookup', parsed.error);
    const out = await app.store.lookupMember(till, parsed.data.phone, app.now());
    const memberNo = out.kind === 'found' ? out.answer.member.memberNo : null;
    app.log.log('info', 'member_lookup', { tillId: till.tillId, storeId: till.storeId, outcome: out.kind, memberNo });
    switch (out.kind) {
      case 'found': {
        const body: SealedMemberLookupAnswer = sealLookupAnswer(tillPersonalKey(till.secret), out.answer);
        return signed(req, { status: 200, body });
      }
      case 'unknown':
        throw new HttpError(404, 'unknown_member', 'head office holds no member with this mobile number');
      case 'ambiguous':
        throw new HttpError(409, 'ambiguous_phone', 'several members hold this mobile number; identify by card');
      default: {
        const never: never = out;
        throw new Error(`unknown lookup outcome ${JSON.stringify(never)}`);
      }
    }
  });
}

/** `till` and `store` query parameters of a sale lookup, each optional. */
function narrowing(url: URL): SaleNarrowing {
  const out: SaleNarrowing = {};
  for (const [param, key] of [
    ['till', 'tillId'],
    ['store', 'storeId'],
  ] as const) {
    const raw = url.searchParams.get(param);
    if (raw === null) continue;
    if (!TillId.safeParse(raw).success)
      throw new HttpError(400, 'bad_query', `${param} is not a till or store id`, {}, param);
    out[key] = raw;
  }
  return out;
}

/**
 * GET /v1/sync/sales/{saleId}: the sale a till of another store takes a return against
 * (DOMAIN.md 12), with every till's returns of it so far.
 */
function saleLookupRoute(router: Router, app: AppDeps): void {
  router.add('GET', SYNC_PATHS.sale, async ({ req, url, target, params }) => {
    await authenticateTill(app, req, target, Buffer.alloc(0));
    const saleId = params.saleId ?? '';
    const out = await app.store.originalSale(saleId, narrowing(url));
    switch (out.kind) {
      case 'found': {
        const body: OriginalSale = out.sale;
        return signed(req, { status: 200, body });
      }
      case 'unknown':
        throw new HttpError(404, 'unknown_sale', `head office holds no sale ${saleId} (of that till or store)`);
      case 'ambiguous':
        throw new HttpError(
          409,
          'ambiguous_sale',
          `tills ${out.tills.join(', ')} each hold a sale ${saleId}; name the till or store`,
          { tills: out.tills },
        );
      case 'no_computation':
        throw new HttpError(
          422,
          'sale_without_computation',
          `sale ${saleId} was recorded by till ${out.tillId} without its per-line computation (an older version): ` +
            'only that till can take it back',
        );
      default: {
        const never: never = out;
        throw new Error(`unknown lookup outcome ${JSON.stringify(never)}`);
      }
    }
  });
}
