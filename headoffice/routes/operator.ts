/**
 * Operator endpoints (bearer token): member directory, member export and erasure, points
 * adjustments and win-back offers, the end-of-day run, tills, reports, rule sets, segments.
 * Each route names the role it needs (auth/operator.ts); an action is attributed to the
 * authenticated operator.
 */
import type { z } from 'zod';
import { InvalidRuleSetError, parseRuleSet, type RuleSet } from '../../core/ruleset/schema.js';
import { MAX_REPORT_DAYS, isDate } from '../../core/analytics.js';
import { daysBetween } from '../../core/time.js';
import {
  AdjustmentRequest,
  DailyReportQuery,
  EARLIEST_DATE,
  EodRequest,
  LATEST_DATE,
  inDateRange,
  OperatorRequestBody,
  TargetsRequest,
  WinBackRequest,
} from '../api-schemas.js';
import { FutureDateError, type OperatorRequest } from '../store/types.js';
import { decodeBody, parseJson, readJson, readRawBody } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { RequestContext, Router } from '../http/router.js';
import type { AppDeps } from './deps.js';
import { attributedId, type OperatorRole, type Principal } from '../auth/operator.js';

/** Who to name in the log for an action without a body id: the operator, or the bootstrap token. */
const principalId = (who: Principal): string => (who.kind === 'named' ? who.id : 'bootstrap-token');

function parseRules(input: unknown): RuleSet {
  try {
    return parseRuleSet(input);
  } catch (e) {
    if (!(e instanceof InvalidRuleSetError)) throw e;
    throw new HttpError(400, 'invalid_rule_set', e.message, { issues: e.issues }, e.issues[0]?.path);
  }
}

async function operatorRequest(req: RequestContext['req'], who: Principal): Promise<OperatorRequest> {
  return requestOf(req, OperatorRequestBody, who);
}

/** The body against `schema` (400 invalid_request naming the first bad field), attributed to `who`. */
async function requestOf<T extends OperatorRequest>(
  req: RequestContext['req'],
  schema: z.ZodType<T>,
  who: Principal,
): Promise<T> {
  const parsed = schema.safeParse(await readJson(req));
  if (!parsed.success) throw invalid('invalid_request', parsed.error);
  return { ...parsed.data, operatorId: attributedId(who, parsed.data.operatorId) };
}

/** The end-of-day run's options: the body may be empty (run for today). */
async function eodRequest(req: RequestContext['req']): Promise<{ date?: string }> {
  const raw = await decodeBody(await readRawBody(req), req.headers['content-encoding']);
  const parsed = EodRequest.safeParse(raw.length === 0 ? {} : parseJson(raw));
  if (!parsed.success) throw invalid('invalid_request', parsed.error);
  return parsed.data;
}

/** GET /v1/reports/daily's query; 400 bad_query naming the parameter at fault. */
export function dailyQuery(url: URL): { from: string; to: string; stores: string[] | null } {
  const stores = url.searchParams.getAll('store');
  const parsed = DailyReportQuery.safeParse({
    from: url.searchParams.get('from') ?? undefined,
    to: url.searchParams.get('to') ?? undefined,
    store: stores,
  });
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'from');
    throw new HttpError(400, 'bad_query', `${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {}, field);
  }
  const { from, to, store } = parsed.data;
  for (const [field, d] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isDate(d)) throw new HttpError(400, 'bad_query', `${field}: ${d} is no calendar date`, {}, field);
    // Bounded so every date the report steps through (the day before, the previous period) is
    // a four-digit year, which date strings and the stores compare correctly.
    if (!inDateRange(d)) {
      throw new HttpError(400, 'bad_query', `${field}: must be from ${EARLIEST_DATE} to ${LATEST_DATE}`, {}, field);
    }
  }
  const days = daysBetween(from, to) + 1;
  if (days < 1 || days > MAX_REPORT_DAYS) {
    throw new HttpError(400, 'bad_query', `to must be from or up to ${MAX_REPORT_DAYS - 1} days after it`, {}, 'to');
  }
  return { from, to, stores: store.length === 0 ? null : [...new Set(store)] };
}

const unknownMember = (memberNo: string): HttpError => new HttpError(404, 'unknown_member', `no member ${memberNo}`);

/** Head office's own decisions (DOMAIN.md 12): the end-of-day run and operators' entries on a member. */
function decisionRoutes(router: Router, app: AppDeps, guarded: Guard): void {
  router.add(
    'POST',
    '/v1/eod',
    guarded('admin', async ({ req }, whoAuth) => {
      const { date } = await eodRequest(req);
      try {
        const report = await app.store.runEndOfDay(app.now(), date);
        app.log.log('info', 'eod_run', { ...report, trigger: 'operator', operator: principalId(whoAuth) });
        return { status: 200, body: report };
      } catch (e) {
        if (e instanceof FutureDateError) throw new HttpError(400, 'invalid_request', e.message, {}, 'date');
        throw e;
      }
    }),
  );

  router.add(
    'POST',
    '/v1/members/{memberNo}/adjustments',
    guarded('admin', async ({ req, params }, whoAuth) => {
      const memberNo = params.memberNo ?? '';
      const body = await requestOf(req, AdjustmentRequest, whoAuth);
      const out = await app.store.adjustPoints(memberNo, body, app.now());
      if (out.kind === 'unknown') throw unknownMember(memberNo);
      if (out.kind === 'insufficient') {
        const message = `the member has ${out.available} points to debit, not ${body.points}`;
        throw new HttpError(422, 'insufficient_points', message, { available: out.available }, 'points');
      }
      const { operatorId, direction, points } = body;
      app.log.log('info', 'points_adjusted', { memberNo, operatorId, direction, points, seq: out.entry.seq });
      const { kind: _kind, ...rest } = out;
      return { status: 201, body: { memberNo, ...rest } };
    }),
  );

  router.add(
    'POST',
    '/v1/members/{memberNo}/win-back',
    guarded('admin', async ({ req, params }, whoAuth) => {
      const memberNo = params.memberNo ?? '';
      const body = await requestOf(req, WinBackRequest, whoAuth);
      const out = await app.store.grantWinBack(memberNo, body, app.now());
      if (out.kind === 'unknown') throw unknownMember(memberNo);
      app.log.log('info', 'win_back_granted', { memberNo, operatorId: body.operatorId, until: out.winBackUntil });
      return { status: 201, body: { memberNo, winBackUntil: out.winBackUntil, entry: out.entry } };
    }),
  );
}

type Guard = (
  need: OperatorRole,
  fn: (ctx: RequestContext, who: Principal) => Promise<{ status: number; body: unknown }>,
) => (ctx: RequestContext) => Promise<{ status: number; body: unknown }>;

export function operatorRoutes(router: Router, app: AppDeps): void {
  const guarded: Guard = (need, fn) => async (ctx) => {
    // Before reading any body: an unauthenticated caller gets nothing, not even parsing.
    const who = await app.operator.check(ctx.req, need);
    return fn(ctx, who);
  };
  decisionRoutes(router, app, guarded);

  router.add(
    'GET',
    '/v1/members/{memberNo}',
    guarded('viewer', async ({ params }) => {
      const memberNo = params.memberNo ?? '';
      const view = await app.store.member(memberNo, app.now());
      if (!view) throw new HttpError(404, 'unknown_member', `no member ${memberNo}`);
      return { status: 200, body: view };
    }),
  );

  router.add(
    'POST',
    '/v1/members/{memberNo}/export',
    guarded('analyst', async ({ req, params }, whoAuth) => {
      const memberNo = params.memberNo ?? '';
      const who = await operatorRequest(req, whoAuth);
      const out = await app.store.exportMember(memberNo, who, app.now());
      if (!out) throw new HttpError(404, 'unknown_member', `no member ${memberNo}`);
      // No personal data in the log: who, which member, why.
      app.log.log('info', 'member_exported', { memberNo, operatorId: who.operatorId });
      return { status: 200, body: out };
    }),
  );

  router.add(
    'POST',
    '/v1/members/{memberNo}/erase',
    guarded('admin', async ({ req, params }, whoAuth) => {
      const memberNo = params.memberNo ?? '';
      const who = await operatorRequest(req, whoAuth);
      const out = await app.store.eraseMember(memberNo, who, app.now());
      switch (out.kind) {
        case 'erased':
          app.log.log('info', 'member_erased', { memberNo, operatorId: who.operatorId, cards: out.cardsBlocked });
          return {
            status: 200,
            body: { status: 'erased', memberNo, erasedAt: out.erasedAt, cardsBlocked: out.cardsBlocked },
          };
        case 'already_erased':
          return { status: 200, body: { status: 'already_erased', memberNo, erasedAt: out.erasedAt, cardsBlocked: 0 } };
        case 'unknown':
          throw new HttpError(404, 'unknown_member', `no member ${memberNo}`);
        default: {
          const never: never = out;
          throw new Error(`unknown erase outcome ${JSON.stringify(never)}`);
        }
      }
    }),
  );

  router.add(
    'POST',
    '/v1/cases/{id}/close',
    guarded('admin', async ({ req, params }, whoAuth) => {
      const raw = params.id ?? '';
      const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(id)) throw new HttpError(404, 'unknown_case', `no case ${raw}`);
      const who = await operatorRequest(req, whoAuth);
      const out = await app.store.closeCase(id, who, app.now());
      if (out.kind === 'unknown') throw new HttpError(404, 'unknown_case', `no case ${raw}`);
      if (out.kind === 'closed') app.log.log('info', 'case_closed', { id, operatorId: who.operatorId });
      const { kind, ...rest } = out;
      return { status: 200, body: { id, status: kind, ...rest } };
    }),
  );

  router.add(
    'POST',
    '/v1/tills/{tillId}/chain/clear',
    guarded('admin', async ({ req, params }, whoAuth) => {
      const tillId = params.tillId ?? '';
      const who = await operatorRequest(req, whoAuth);
      const out = await app.store.clearChain(tillId, who, app.now());
      switch (out.kind) {
        case 'unknown':
          throw new HttpError(404, 'unknown_till', `no till ${tillId}`);
        case 'not_broken':
          return { status: 200, body: { tillId, status: 'not_broken', previousError: null } };
        case 'cleared':
          app.log.log('info', 'chain_cleared', { tillId, operatorId: who.operatorId });
          return { status: 200, body: { tillId, status: 'cleared', previousError: out.previousError } };
        default: {
          const never: never = out;
          throw new Error(`unknown clear outcome ${JSON.stringify(never)}`);
        }
      }
    }),
  );

  router.add(
    'GET',
    '/v1/tills',
    guarded('viewer', async () => ({ status: 200, body: { tills: await app.store.tills() } })),
  );

  router.add(
    'GET',
    '/v1/tills/{tillId}/mismatches',
    guarded('viewer', async ({ params }) => {
      const tillId = params.tillId ?? '';
      const out = await app.store.tillMismatches(tillId);
      if (!out) throw new HttpError(404, 'unknown_till', `no till ${tillId}`);
      return { status: 200, body: { tillId, ...out } };
    }),
  );

  router.add(
    'GET',
    '/v1/rewards/stock',
    guarded('viewer', async () => ({ status: 200, body: await app.store.rewardStock(app.now()) })),
  );

  router.add(
    'GET',
    '/v1/reports/summary',
    guarded('viewer', async () => ({ status: 200, body: await app.store.summary(app.now()) })),
  );

  router.add(
    'GET',
    '/v1/reports/daily',
    guarded('viewer', async ({ url }) => ({ status: 200, body: await app.store.daily(dailyQuery(url)) })),
  );

  router.add(
    'GET',
    '/v1/reports/overview',
    guarded('viewer', async ({ url }) => ({ status: 200, body: await app.store.overview(dailyQuery(url)) })),
  );

  router.add(
    'GET',
    '/v1/targets',
    guarded('viewer', async () => ({ status: 200, body: await app.store.targets() })),
  );

  router.add(
    'POST',
    '/v1/targets',
    guarded('admin', async ({ req }, whoAuth) => {
      const { operatorId, reason, ...t } = await requestOf(req, TargetsRequest, whoAuth);
      const out = await app.store.setTargets(t, { operatorId, reason }, app.now());
      app.log.log('info', 'targets_set', { operatorId, ...t });
      return { status: 200, body: out };
    }),
  );

  router.add(
    'POST',
    '/v1/segments/refresh',
    guarded('admin', async () => ({ status: 200, body: { changed: await app.store.refreshSegments(app.now()) } })),
  );

  router.add(
    'POST',
    '/v1/rulesets',
    guarded('admin', async ({ req }, whoAuth) => {
      const rs = parseRules(await readJson(req));
      const out = await app.store.publishRuleSet(rs, app.now());
      switch (out.kind) {
        case 'published':
          app.log.log('info', 'ruleset_published', { version: out.version, operator: principalId(whoAuth) });
          return { status: 201, body: { status: 'published', version: out.version, cursor: out.cursor } };
        case 'unchanged':
          return { status: 200, body: { status: 'unchanged', version: out.version } };
        case 'conflict':
          throw new HttpError(409, out.code, out.message, {}, 'version');
        default: {
          const never: never = out;
          throw new Error(`unknown publish outcome ${JSON.stringify(never)}`);
        }
      }
    }),
  );
}
