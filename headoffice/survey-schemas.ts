/**
 * The receipt survey (issue 15 items 5 and 8, docs/member-page.md "Survey"): the member page's
 * requests and answers and the NPS report, as zod schemas (one source for types, validation and
 * the OpenAPI document). The token is core/survey/token.ts; NPS is core/survey/nps.ts.
 */
import { z } from 'zod';

const Instant = z.string().describe('ISO 8601 instant');
const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const Token = z.string().min(1).max(400).describe('the `s` parameter of the receipt QR code’s URL');

export const SurveyInfo = z
  .object({
    storeId: z.string(),
    storeName: z.string().nullable().describe("the store's name registered at head office"),
    saleDay: LocalDate.describe("the sale's local date"),
    answered: z.boolean().describe('this sale has its answer already (one per sale)'),
    signedIn: z.boolean().describe('an answer now would be kept with the signed-in member'),
  })
  .meta({ id: 'SurveyInfo' });

export const SurveyAnswerRequest = z
  .strictObject({
    token: Token,
    score: z.number().int().min(0).max(10).describe('0-10: how likely to recommend the store to a friend'),
    comment: z.string().trim().max(500).optional().describe('free text; may hold personal data, kept encrypted'),
  })
  .meta({ id: 'SurveyAnswerRequest' });

export const SurveyAnswered = z
  .object({
    answered: z.literal(true),
    storeId: z.string(),
    saleDay: LocalDate,
    memberLinked: z.boolean().describe('kept with a member: the signed-in one, else the sale’s'),
  })
  .meta({ id: 'SurveyAnswered' });

/** A member's answer, for the export of everything held about them (DOMAIN.md 10). */
export const SurveyAnswerItem = z.object({
  tillId: z.string(),
  saleId: z.string(),
  storeId: z.string(),
  saleDay: LocalDate,
  score: z.number().int(),
  comment: z.string().nullable(),
  answeredAt: Instant,
});

const Tally = {
  answers: z.number().int(),
  promoters: z.number().int().describe('scores 9-10'),
  passives: z.number().int().describe('scores 7-8'),
  detractors: z.number().int().describe('scores 0-6'),
  nps: z.number().nullable().describe('(promoters - detractors) / answers × 100, one decimal; null without answers'),
};

/** NPS counts over a set of answers (core/survey/nps.ts). */
export const NpsTallySchema = z.object(Tally).meta({ id: 'NpsTally' });

export const NpsReportSchema = z
  .object({
    from: LocalDate.describe('first sale date (programme time zone), inclusive'),
    to: LocalDate,
    timeZone: z.string(),
    formula: z.object({ zh: z.string(), en: z.string() }),
    chain: NpsTallySchema,
    stores: z.array(
      z.object({
        storeId: z.string(),
        storeName: z.string().nullable(),
        ...Tally,
        complaints: z.number().int().describe('complaints recorded at the tills over the same dates'),
        suggestions: z.number().int(),
      }),
    ),
    weeks: z
      .array(z.object({ week: LocalDate.describe('the Monday'), storeId: z.string().nullable(), ...Tally }))
      .describe('per ISO week (by the sale date) for each store, and for the chain (storeId null)'),
  })
  .meta({ id: 'NpsReport' });

export type SurveyAnswerItem = z.output<typeof SurveyAnswerItem>;
export type NpsReport = z.output<typeof NpsReportSchema>;
