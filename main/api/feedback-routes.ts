/**
 * POST /v1/staff/feedback: a member's complaint or suggestion, recorded by signed-in staff in a
 * few taps (DOMAIN.md 9: complaints and feedback recorded at the till count in head office's
 * measures). Stored here and uploaded with the next batch (outbox kind `feedback`). Staff only:
 * the record names who took it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FEEDBACK_CATEGORIES, FeedbackKind, type FeedbackRecord } from '../../core/sync/protocol.js';
import { insertFeedback } from '../db/feedback.js';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import type { Route } from './routes.js';
import { staffOnly } from './staff-routes.js';

export const FeedbackRequest = z
  .object({
    kind: FeedbackKind,
    category: z.enum(FEEDBACK_CATEGORIES),
    text: z.string().trim().min(1, 'say what the member said').max(2000),
    memberNo: z.string().min(1).max(32).optional().describe('absent: a shopper who is not a member'),
    followUp: z.boolean().default(false).describe('the member agreed to be contacted about it'),
  })
  .meta({ id: 'FeedbackRequest' });

export const FeedbackResponse = z
  .object({
    feedbackId: z.string(),
    kind: FeedbackKind,
    category: z.enum(FEEDBACK_CATEGORIES),
    memberNo: z.string().nullable(),
    followUp: z.boolean(),
    staffId: z.string(),
    recordedAt: z.string(),
  })
  .meta({ id: 'FeedbackRecorded' });

function record(ctx: TillContext, f: FeedbackRecord): void {
  ctx.db
    .transaction(() => {
      insertFeedback(ctx.db, ctx.cipher, f);
      ctx.outbox.add('feedback', f.feedbackId, f.recordedAt);
    })
    .immediate();
}

export function feedbackRoutes(): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/staff/feedback',
      operationId: 'recordFeedback',
      summary: "Record a member's complaint or suggestion (uploaded to head office with the next batch)",
      request: FeedbackRequest,
      response: FeedbackResponse,
      successStatus: 201,
      handle: (ctx, body, input) => {
        const s = staffOnly(input);
        const req = FeedbackRequest.parse(body);
        if (req.memberNo !== undefined && !ctx.members.get(req.memberNo)) {
          throw new TillError('unknown_member', 'no such member', 'memberNo');
        }
        const f: FeedbackRecord = {
          feedbackId: randomUUID(),
          kind: req.kind,
          category: req.category,
          text: req.text,
          memberNo: req.memberNo ?? null,
          followUp: req.followUp,
          staffId: s.staffId,
          recordedAt: ctx.now().toISOString(),
        };
        record(ctx, f);
        // No text in the log: it may name people.
        ctx.log.log('info', 'feedback_recorded', { feedbackId: f.feedbackId, kind: f.kind, staffId: s.staffId });
        // The answer leaves the words out: the screen has them, and answers end up in logs and proxies.
        const { text: _text, ...answer } = f;
        return { status: 201, body: answer };
      },
    },
  ];
}
