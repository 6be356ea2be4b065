/**
 * Saved segments (issue 13 item 6, docs/campaigns.md "Saved segments"): a member view of the
 * head-office app kept under a name as its rule, re-evaluated whenever it is used. The zod
 * schemas are the one source for validation, types and the OpenAPI document.
 */
import { z } from 'zod';
import { SegmentRuleSchema } from './campaign-schemas.js';

const Instant = z.string().describe('ISO 8601 instant');
const SegmentName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

export const SegmentCreateRequest = z
  .strictObject({ name: SegmentName, rule: SegmentRuleSchema })
  .meta({ id: 'SegmentCreateRequest' });

export const SegmentRenameRequest = z.strictObject({ name: SegmentName }).meta({ id: 'SegmentRenameRequest' });

/** delete: who acts is the token's operator. */
export const SegmentDeleteRequest = z.strictObject({}).meta({ id: 'SegmentDeleteRequest' });

export const SegmentPreviewRequest = z.strictObject({ rule: SegmentRuleSchema }).meta({ id: 'SegmentPreviewRequest' });

export const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    rule: SegmentRuleSchema,
    countAtSave: z.number().int().describe('members the rule matched when it was saved'),
    asOf: z.string().describe('the local date of that count'),
    createdBy: z.string(),
    createdAt: Instant,
    renamedBy: z.string().nullable(),
    renamedAt: Instant.nullable(),
  })
  .meta({ id: 'Segment' });

export const SegmentList = z.object({ segments: z.array(SegmentSchema) }).meta({ id: 'SegmentList' });

export const SegmentCount = z
  .object({
    asOf: z.string().describe("today's local date in the programme's zone"),
    members: z.number().int().describe('active members the rule matches now'),
  })
  .meta({ id: 'SegmentCount' });

export const SegmentDeleteAnswer = z
  .object({ status: z.literal('deleted'), id: z.string(), deletedBy: z.string(), deletedAt: Instant })
  .meta({ id: 'SegmentDeleteAnswer' });

export type SegmentCreateRequest = z.output<typeof SegmentCreateRequest>;
export type SegmentView = z.output<typeof SegmentSchema>;
export type SegmentRule = z.output<typeof SegmentRuleSchema>;
