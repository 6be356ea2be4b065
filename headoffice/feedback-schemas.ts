/**
 * Head office's side of feedback recorded at the tills (DOMAIN.md 9): the operator API's
 * requests and answers as zod schemas, one source for types, validation and the OpenAPI
 * document. The till-facing record is core/sync/protocol.ts FeedbackRecord.
 */
import { z } from 'zod';
import { FEEDBACK_CATEGORIES, FeedbackKind } from '../core/sync/protocol.js';

const Instant = z.string().describe('ISO 8601 instant');
const OperatorId = z.string().trim().min(1).max(64);

export const FeedbackStatus = z.enum(['open', 'assigned', 'closed']);

export const FeedbackItem = z
  .object({
    id: z.number().int().describe("head office's number for it, used to assign and close"),
    tillId: z.string(),
    storeId: z.string(),
    feedbackId: z.string().describe("the till's own id"),
    kind: FeedbackKind,
    category: z.enum(FEEDBACK_CATEGORIES),
    text: z.string().describe("the member's words as staff wrote them down"),
    memberNo: z.string().nullable(),
    followUp: z.boolean().describe('the member agreed to be contacted about it'),
    staffId: z.string().nullable(),
    recordedAt: Instant,
    receivedAt: Instant,
    status: FeedbackStatus,
    assignee: z.string().nullable(),
    assignedAt: Instant.nullable(),
    closedAt: Instant.nullable(),
    closedBy: z.string().nullable(),
    closeNote: z.string().nullable(),
  })
  .meta({ id: 'FeedbackItem' });

export const FeedbackList = z.object({ feedback: z.array(FeedbackItem) }).meta({ id: 'FeedbackList' });

export const FeedbackAssignRequest = z
  .strictObject({
    operatorId: OperatorId,
    assignee: z.string().trim().min(1).max(64).describe('who follows it up'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .meta({ id: 'FeedbackAssignRequest' });

export const FeedbackCloseRequest = z
  .strictObject({
    operatorId: OperatorId,
    note: z.string().trim().min(1).max(2000).describe('what was done; kept encrypted'),
  })
  .meta({ id: 'FeedbackCloseRequest' });

export const FeedbackActionAnswer = z
  .object({ status: z.enum(['assigned', 'closed', 'already_closed']), feedback: FeedbackItem })
  .meta({ id: 'FeedbackActionAnswer' });

const Counts = z.object({
  open: z.number().int().describe('not closed yet (assigned ones included)'),
  assigned: z.number().int().describe('assigned and not closed yet'),
  closed: z.number().int(),
});

/** The summary report's feedback measures. */
export const FeedbackCounts = z.object({
  complaints: Counts,
  suggestions: Counts,
  /** per store, every state: DOMAIN.md 9 reports per store */
  byStore: z.array(z.object({ storeId: z.string(), complaints: z.number().int(), suggestions: z.number().int() })),
});

export type FeedbackItem = z.output<typeof FeedbackItem>;
export type FeedbackCounts = z.output<typeof FeedbackCounts>;
export type FeedbackStatus = z.output<typeof FeedbackStatus>;

/** One call on the store (HqStore.feedback): list, assign or close. */
export type FeedbackOp =
  | { kind: 'list'; status?: FeedbackStatus }
  | { kind: 'assign'; id: number; operatorId: string; assignee: string; reason?: string }
  | { kind: 'close'; id: number; operatorId: string; note: string };

export type FeedbackOutcome =
  | { kind: 'list'; items: FeedbackItem[] }
  | { kind: 'assigned' | 'closed' | 'already_closed'; item: FeedbackItem }
  /** a closed one cannot be assigned again */
  | { kind: 'is_closed'; item: FeedbackItem }
  | { kind: 'unknown' };
