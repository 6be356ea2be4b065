/**
 * The receipt survey (issue 15 items 5 and 8, docs/member-page.md "Survey"):
 *
 *   GET  /v1/me/survey?s=<token>        the sale's store and date, and whether it is answered
 *   POST /v1/me/survey {token, score, comment?}   the answer; signed in or not
 *   GET  /v1/reports/nps?from&to[&store]   NPS per store and week beside complaints (operator)
 *
 * A token is checked in three steps: its shape, then the signature under the survey key of the
 * till it names (HKDF of that till's secret, core/survey/token.ts), then the till's store and
 * the date. Answering needs no sign-in (the receipt's QR is the proof of the visit); a member
 * signed in on this phone gets the answer kept with their account. Refusals are typed:
 * 400 survey_token_malformed, 403 survey_token_forged / survey_wrong_store, 410
 * survey_token_expired, 409 survey_already_answered.
 */
import {
  parseSurveyToken,
  surveyKey,
  verifySurveyToken,
  type SurveySale,
  type SurveyTokenResult,
} from '../../core/survey/token.js';
import { localDate } from '../../core/time.js';
import { readPublicJson } from '../http/small-body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { Router } from '../http/router.js';
import { SurveyAnswered, SurveyAnswerRequest, SurveyInfo } from '../survey-schemas.js';
import type { AppDeps } from './deps.js';
import { memberOf } from './me.js';
import { dailyQuery } from './operator.js';

function refusal(r: Exclude<SurveyTokenResult, { ok: true }>): HttpError {
  switch (r.code) {
    case 'survey_token_malformed':
      return new HttpError(400, r.code, r.message, {}, 'token');
    case 'survey_token_forged':
    case 'survey_wrong_store':
      return new HttpError(403, r.code, r.message, {}, 'token');
    case 'survey_token_expired':
      return new HttpError(410, r.code, r.message, {}, 'token');
    default: {
      const never: never = r.code;
      throw new Error(`unknown survey refusal ${JSON.stringify(never)}`);
    }
  }
}

/** The sale a token names, once head office has checked it; an HttpError otherwise. */
async function saleOf(app: AppDeps, token: unknown): Promise<SurveySale> {
  const now = app.now();
  // The till id is read from the token before its signature can be checked: the key is that till's.
  const parsed = parseSurveyToken(token);
  const tillId = parsed.ok ? parsed.sale.tillId : null;
  const till = tillId ? await app.store.tillAuth(tillId) : null;
  const rs = await app.store.ruleSetInForce(now);
  const result = verifySurveyToken(till ? surveyKey(till.secret) : null, token, {
    storeId: till?.storeId ?? '',
    today: localDate(now, rs.timeZone).date,
  });
  if (!result.ok) {
    app.log.log('warn', 'survey_token_refused', { code: result.code, tillId });
    throw refusal(result);
  }
  return result.sale;
}

export function surveyRoutes(router: Router, app: AppDeps): void {
  router.add('GET', '/v1/me/survey', async (ctx) => {
    const sale = await saleOf(app, ctx.url.searchParams.get('s'));
    const status = await app.store.surveyStatus(sale);
    const memberNo = await memberOf(app, ctx);
    return {
      status: 200,
      body: SurveyInfo.parse({
        storeId: sale.storeId,
        storeName: status.storeName,
        saleDay: sale.day,
        answered: status.answered,
        signedIn: memberNo !== null,
      }),
    };
  });

  router.add('POST', '/v1/me/survey', async (ctx) => {
    // No sign-in needed: a stranger's body, so a small one through the per-address gate.
    const parsed = SurveyAnswerRequest.safeParse(await readPublicJson(ctx.req, app.bodies));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const sale = await saleOf(app, parsed.data.token);
    const memberNo = await memberOf(app, ctx);
    const comment = parsed.data.comment?.trim() ? parsed.data.comment.trim() : null;
    const out = await app.store.recordSurveyAnswer({ sale, memberNo, score: parsed.data.score, comment }, app.now());
    if (out.kind === 'already_answered') {
      throw new HttpError(409, 'survey_already_answered', 'this purchase has been rated already; thank you');
    }
    // No comment in the log: it may name people.
    app.log.log('info', 'survey_answered', {
      tillId: sale.tillId,
      storeId: sale.storeId,
      linked: out.memberNo !== null,
    });
    return {
      status: 201,
      body: SurveyAnswered.parse({
        answered: true,
        storeId: sale.storeId,
        saleDay: sale.day,
        memberLinked: out.memberNo !== null,
      }),
    };
  });

  router.add('GET', '/v1/reports/nps', async (ctx) => {
    await app.operator.check(ctx.req, 'viewer');
    return { status: 200, body: await app.store.npsReport(dailyQuery(ctx.url)) };
  });
}
