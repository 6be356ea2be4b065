/**
 * Campaigns (issue 15, docs/campaigns.md):
 *
 *   POST /v1/campaigns                    admin: a draft (its author is the token's operator)
 *   GET  /v1/campaigns                    analyst: every campaign
 *   POST /v1/campaigns/{id}/approve       admin: by a second operator, never the author
 *   POST /v1/campaigns/{id}/start         admin: chooses the members and writes the offers
 *   POST /v1/campaigns/{id}/end           admin: no grant after; granted offers run out
 *   GET  /v1/campaigns/{id}/result        analyst: targeted, held out, granted, used, uplift, return on cost
 *   POST /v1/campaigns/preview            analyst: how many members a target matches now
 *   GET  /v1/operators/me                 viewer: who the token acts as (operatorId, role, shared)
 *
 * Who acts is the token's operator: a named operator's id, or "bootstrap-token" for the shared
 * token, which thus counts as one operator (it cannot approve its own draft under another id).
 */
import type { Transition } from '../../core/campaigns.js';
import type { Principal } from '../auth/operator.js';
import { CampaignActionRequest, CampaignCreateRequest, CampaignPreviewRequest } from '../campaign-schemas.js';
import { decodeBody, parseJson, readJson, readRawBody } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { RequestContext, Router } from '../http/router.js';
import type { AppDeps } from './deps.js';

export const actorId = (who: Principal): string => (who.kind === 'named' ? who.id : 'bootstrap-token');

const unknownCampaign = (id: string): HttpError => new HttpError(404, 'unknown_campaign', `no campaign ${id}`);
const unknownSegmentTarget = (id: string): HttpError =>
  new HttpError(400, 'unknown_segment', `no saved segment ${id}`, {}, 'target.segmentId');

/** A transition's body: empty or {}. */
async function actionBody(req: RequestContext['req']): Promise<void> {
  const raw = await decodeBody(await readRawBody(req), req.headers['content-encoding']);
  const parsed = CampaignActionRequest.safeParse(raw.length === 0 ? {} : parseJson(raw));
  if (!parsed.success) throw invalid('invalid_request', parsed.error);
}

export function campaignRoutes(router: Router, app: AppDeps): void {
  router.add('POST', '/v1/campaigns', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'admin');
    const parsed = CampaignCreateRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const out = await app.store.createCampaign(parsed.data, actorId(who), app.now());
    if (out.kind === 'exists') {
      throw new HttpError(409, 'campaign_exists', `campaign ${parsed.data.id ?? ''} exists`, {}, 'id');
    }
    if (out.kind === 'unknown_segment') throw unknownSegmentTarget(out.segmentId);
    app.log.log('info', 'campaign_created', { id: out.campaign.id, by: out.campaign.createdBy });
    return { status: 201, body: out.campaign };
  });

  // Who the token acts as, so the app can say why an author cannot approve their own draft.
  router.add('GET', '/v1/operators/me', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'viewer');
    return { status: 200, body: { operatorId: actorId(who), role: who.role, shared: who.kind === 'bootstrap' } };
  });

  // Registered before /v1/campaigns/{id}/...: the editor's count before a draft is saved.
  router.add('POST', '/v1/campaigns/preview', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    const parsed = CampaignPreviewRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const out = await app.store.previewCampaign(parsed.data, app.now());
    if ('kind' in out) throw unknownSegmentTarget(out.segmentId);
    return { status: 200, body: out };
  });

  router.add('GET', '/v1/campaigns', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    return { status: 200, body: { campaigns: await app.store.campaigns() } };
  });

  for (const t of ['approve', 'start', 'end'] as const satisfies readonly Transition[]) {
    router.add('POST', `/v1/campaigns/{id}/${t}`, async (ctx) => {
      const who = await app.operator.check(ctx.req, 'admin');
      await actionBody(ctx.req);
      const id = ctx.params.id ?? '';
      const out = await app.store.campaignTransition(id, t, actorId(who), app.now());
      if (out.kind === 'unknown') throw unknownCampaign(id);
      if (out.kind === 'refused') throw new HttpError(409, 'campaign_state', out.message);
      app.log.log('info', `campaign_${t}`, { id, by: actorId(who), granted: out.run?.granted });
      if (t !== 'start' || out.run === null) return { status: 200, body: out.campaign };
      return { status: 200, body: { campaign: out.campaign, ...out.run } };
    });
  }

  router.add('GET', '/v1/campaigns/{id}/result', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    const id = ctx.params.id ?? '';
    const out = await app.store.campaignResult(id);
    if (!out) throw unknownCampaign(id);
    return { status: 200, body: out };
  });
}
