/**
 * Operator endpoints (bearer token): member directory, member export and erasure, tills,
 * reports, rule sets, segments.
 */
import { InvalidRuleSetError, parseRuleSet, type RuleSet } from '../../core/ruleset/schema.js';
import { OperatorRequestBody } from '../api-schemas.js';
import type { OperatorRequest } from '../store/types.js';
import { readJson } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { RequestContext, Router } from '../http/router.js';
import type { AppDeps } from './deps.js';

function parseRules(input: unknown): RuleSet {
  try {
    return parseRuleSet(input);
  } catch (e) {
    if (!(e instanceof InvalidRuleSetError)) throw e;
    throw new HttpError(400, 'invalid_rule_set', e.message, { issues: e.issues }, e.issues[0]?.path);
  }
}

async function operatorRequest(req: RequestContext['req']): Promise<OperatorRequest> {
  const parsed = OperatorRequestBody.safeParse(await readJson(req));
  if (!parsed.success) throw invalid('invalid_request', parsed.error);
  return parsed.data;
}

export function operatorRoutes(router: Router, app: AppDeps): void {
  const guarded =
    (fn: (ctx: RequestContext) => Promise<{ status: number; body: unknown }>) => async (ctx: RequestContext) => {
      // Before reading any body: an unauthenticated caller gets nothing, not even parsing.
      app.operator.check(ctx.req);
      return fn(ctx);
    };

  router.add(
    'GET',
    '/v1/members/{memberNo}',
    guarded(async ({ params }) => {
      const memberNo = params.memberNo ?? '';
      const view = await app.store.member(memberNo, app.now());
      if (!view) throw new HttpError(404, 'unknown_member', `no member ${memberNo}`);
      return { status: 200, body: view };
    }),
  );

  router.add(
    'POST',
    '/v1/members/{memberNo}/export',
    guarded(async ({ req, params }) => {
      const memberNo = params.memberNo ?? '';
      const who = await operatorRequest(req);
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
    guarded(async ({ req, params }) => {
      const memberNo = params.memberNo ?? '';
      const who = await operatorRequest(req);
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
    guarded(async ({ req, params }) => {
      const raw = params.id ?? '';
      const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(id)) throw new HttpError(404, 'unknown_case', `no case ${raw}`);
      const who = await operatorRequest(req);
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
    guarded(async ({ req, params }) => {
      const tillId = params.tillId ?? '';
      const who = await operatorRequest(req);
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
    guarded(async () => ({ status: 200, body: { tills: await app.store.tills() } })),
  );

  router.add(
    'GET',
    '/v1/reports/summary',
    guarded(async () => ({ status: 200, body: await app.store.summary(app.now()) })),
  );

  router.add(
    'POST',
    '/v1/segments/refresh',
    guarded(async () => ({ status: 200, body: { changed: await app.store.refreshSegments(app.now()) } })),
  );

  router.add(
    'POST',
    '/v1/rulesets',
    guarded(async ({ req }) => {
      const rs = parseRules(await readJson(req));
      const out = await app.store.publishRuleSet(rs, app.now());
      switch (out.kind) {
        case 'published':
          app.log.log('info', 'ruleset_published', { version: out.version });
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
