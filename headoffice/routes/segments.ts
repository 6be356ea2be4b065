/**
 * Saved segments (issue 13 item 6, docs/campaigns.md "Saved segments"), role-checked like the
 * Members report's CSV export (an analyst or an admin):
 *
 *   GET  /v1/segments                  the live segments, newest first
 *   POST /v1/segments                  {name, rule}: saved with the count it matches now
 *   POST /v1/segments/preview          {rule}: how many members it matches now (nothing saved)
 *   POST /v1/segments/{id}/rename      {name}
 *   POST /v1/segments/{id}/delete      {}: refused (409 segment_in_use) while a campaign not
 *                                      ended targets it
 *
 * Who acts is the token's operator (routes/campaigns.ts actorId), kept on the segment's row.
 * The log names the segment and the operator, never a member.
 */
import { CampaignActionRequest } from '../campaign-schemas.js';
import { decodeBody, parseJson, readJson, readRawBody } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { Router } from '../http/router.js';
import { SegmentCreateRequest, SegmentPreviewRequest, SegmentRenameRequest } from '../segment-schemas.js';
import { actorId } from './campaigns.js';
import type { AppDeps } from './deps.js';

const unknownSegment = (id: string): HttpError => new HttpError(404, 'unknown_segment', `no segment ${id}`);
const nameTaken = (): HttpError =>
  new HttpError(409, 'segment_name_taken', 'another segment has this name', {}, 'name');

export function segmentRoutes(router: Router, app: AppDeps): void {
  router.add('GET', '/v1/segments', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    return { status: 200, body: { segments: await app.store.segments() } };
  });

  router.add('POST', '/v1/segments', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'analyst');
    const parsed = SegmentCreateRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const out = await app.store.saveSegment(parsed.data, actorId(who), app.now());
    if (out.kind === 'name_taken') throw nameTaken();
    app.log.log('info', 'segment_saved', {
      id: out.segment.id,
      by: out.segment.createdBy,
      members: out.segment.countAtSave,
    });
    return { status: 201, body: out.segment };
  });

  router.add('POST', '/v1/segments/preview', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    const parsed = SegmentPreviewRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    return { status: 200, body: await app.store.countSegment(parsed.data.rule, app.now()) };
  });

  router.add('POST', '/v1/segments/{id}/rename', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'analyst');
    const parsed = SegmentRenameRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const id = ctx.params.id ?? '';
    const out = await app.store.renameSegment(id, parsed.data.name, actorId(who), app.now());
    switch (out.kind) {
      case 'unknown':
        throw unknownSegment(id);
      case 'name_taken':
        throw nameTaken();
      case 'renamed':
        app.log.log('info', 'segment_renamed', { id, by: actorId(who) });
        return { status: 200, body: out.segment };
      default: {
        const never: never = out;
        throw new Error(`unhandled outcome ${String(never)}`);
      }
    }
  });

  router.add('POST', '/v1/segments/{id}/delete', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'analyst');
    const raw = await decodeBody(await readRawBody(ctx.req), ctx.req.headers['content-encoding']);
    const parsed = CampaignActionRequest.safeParse(raw.length === 0 ? {} : parseJson(raw));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const id = ctx.params.id ?? '';
    const out = await app.store.deleteSegment(id, actorId(who), app.now());
    switch (out.kind) {
      case 'unknown':
        throw unknownSegment(id);
      case 'in_use':
        throw new HttpError(409, 'segment_in_use', `campaigns not ended target it: ${out.campaigns.join(', ')}`, {
          campaigns: out.campaigns,
        });
      case 'deleted':
        app.log.log('info', 'segment_deleted', { id, by: out.deletedBy });
        return { status: 200, body: { status: 'deleted', id, deletedBy: out.deletedBy, deletedAt: out.deletedAt } };
      default: {
        const never: never = out;
        throw new Error(`unhandled outcome ${String(never)}`);
      }
    }
  });
}
