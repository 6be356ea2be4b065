/**
 * Operator endpoints for feedback recorded at the tills (DOMAIN.md 9): GET /v1/feedback lists
 * it (the member's words in clear, so an analyst's token at least, as for a member export),
 * POST /v1/feedback/{id}/assign and /close act on one, attributed to the authenticated
 * operator like every other action (auth/operator.ts attributedId).
 */
import type { z } from 'zod';
import { attributedId, type Principal } from '../auth/operator.js';
import { FeedbackAssignRequest, FeedbackCloseRequest, FeedbackStatus } from '../feedback-schemas.js';
import { readJson } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { RequestContext, Router } from '../http/router.js';
import type { AppDeps } from './deps.js';

type Reply = { status: number; body: unknown };

async function bodyOf<T extends { operatorId: string }>(
  req: RequestContext['req'],
  schema: z.ZodType<T>,
  who: Principal,
): Promise<T> {
  const parsed = schema.safeParse(await readJson(req));
  if (!parsed.success) throw invalid('invalid_request', parsed.error);
  return { ...parsed.data, operatorId: attributedId(who, parsed.data.operatorId) };
}

function feedbackId(raw: string | undefined): number {
  const id = /^\d{1,15}$/.test(raw ?? '') ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw new HttpError(404, 'unknown_feedback', `no feedback ${raw ?? ''}`);
  return id;
}

function statusFilter(url: URL): z.output<typeof FeedbackStatus> | undefined {
  const raw = url.searchParams.get('status');
  if (raw === null) return undefined;
  const parsed = FeedbackStatus.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, 'bad_query', 'status must be open, assigned or closed', {}, 'status');
  return parsed.data;
}

export function feedbackRoutes(router: Router, app: AppDeps): void {
  const guarded =
    (fn: (ctx: RequestContext, who: Principal) => Promise<Reply>) =>
    async (ctx: RequestContext): Promise<Reply> =>
      // Before reading any body: an unauthenticated caller gets nothing, not even parsing.
      fn(ctx, await app.operator.check(ctx.req, 'analyst'));

  router.add(
    'GET',
    '/v1/feedback',
    guarded(async ({ url }) => {
      const out = await app.store.feedback({ kind: 'list', status: statusFilter(url) }, app.now());
      return { status: 200, body: { feedback: out.kind === 'list' ? out.items : [] } };
    }),
  );

  router.add(
    'POST',
    '/v1/feedback/{id}/assign',
    guarded(async ({ req, params }, who) => {
      const id = feedbackId(params.id);
      const body = await bodyOf(req, FeedbackAssignRequest, who);
      const out = await app.store.feedback({ kind: 'assign', id, ...body }, app.now());
      if (out.kind === 'unknown') throw new HttpError(404, 'unknown_feedback', `no feedback ${id}`);
      if (out.kind === 'is_closed') throw new HttpError(409, 'feedback_closed', `feedback ${id} is closed already`);
      if (out.kind !== 'assigned') throw new Error(`unexpected outcome ${out.kind}`);
      app.log.log('info', 'feedback_assigned', { id, operatorId: body.operatorId, assignee: body.assignee });
      return { status: 200, body: { status: 'assigned', feedback: out.item } };
    }),
  );

  router.add(
    'POST',
    '/v1/feedback/{id}/close',
    guarded(async ({ req, params }, who) => {
      const id = feedbackId(params.id);
      const body = await bodyOf(req, FeedbackCloseRequest, who);
      const out = await app.store.feedback({ kind: 'close', id, ...body }, app.now());
      if (out.kind === 'unknown') throw new HttpError(404, 'unknown_feedback', `no feedback ${id}`);
      if (out.kind !== 'closed' && out.kind !== 'already_closed') throw new Error(`unexpected outcome ${out.kind}`);
      // No note in the log: it may name people.
      if (out.kind === 'closed') app.log.log('info', 'feedback_closed', { id, operatorId: body.operatorId });
      return { status: 200, body: { status: out.kind, feedback: out.item } };
    }),
  );
}
