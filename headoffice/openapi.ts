/**
 * GET /v1/openapi.json at head office: the till-facing sync protocol (core/sync/protocol.ts)
 * and the operator API (api-schemas.ts), generated from their zod schemas. Every route the
 * router serves has an entry here (headoffice/openapi.test.ts holds the two together).
 */
import { z } from 'zod';
import { pathParameters, schemaOf, type Json } from '../core/openapi.js';
import { RuleSet } from '../core/ruleset/schema.js';
import {
  BatchAck,
  CHANGES_DEFAULT_LIMIT,
  CHANGES_MAX_LIMIT,
  ErrorBody,
  MemberLookupRequest,
  MEMBER_LOOKUPS_PER_MINUTE,
  OriginalSale,
  RewardReserveAnswer,
  RewardReserveRequest,
  SealedChangesResponse,
  SealedMemberLookupAnswer,
  SealedMemberQrKey,
  SequenceGap,
  SYNC_PATHS,
  UploadBatch,
} from '../core/sync/protocol.js';
import {
  AdjustmentAnswer,
  AdjustmentRequest,
  CaseCloseAnswer,
  ChainClearAnswer,
  EodAnswer,
  EodRequest,
  EraseAnswer,
  HealthAnswer,
  MemberExportSchema,
  MemberViewSchema,
  OperatorRequestBody,
  PublishAnswer,
  SegmentsAnswer,
  SummaryReportSchema,
  DailyReportSchema,
  OverviewReportSchema,
  TargetsAnswer,
  TargetsRequest,
  MembersReportSchema,
  RewardStockSchema,
  TillsAnswer,
  TillMismatchesAnswer,
  WinBackAnswer,
  WinBackRequest,
} from './api-schemas.js';
import { ProvisionTillsAnswer, ProvisionTillsRequest, RenameAnswer, RenameRequest } from './provisioning-schemas.js';
import { NpsReportSchema, SurveyAnswered, SurveyAnswerRequest, SurveyInfo } from './survey-schemas.js';
import { FeedbackActionAnswer, FeedbackAssignRequest, FeedbackCloseRequest, FeedbackList } from './feedback-schemas.js';
import {
  CampaignActionRequest,
  CampaignCreateRequest,
  CampaignList,
  CampaignPreview,
  CampaignPreviewRequest,
  CampaignResult,
  OperatorMe,
  CampaignSchema,
  CampaignStartAnswer,
} from './campaign-schemas.js';
import {
  SegmentCount,
  SegmentCreateRequest,
  SegmentDeleteAnswer,
  SegmentDeleteRequest,
  SegmentList,
  SegmentPreviewRequest,
  SegmentRenameRequest,
  SegmentSchema,
} from './segment-schemas.js';
import {
  LeaveAnswer,
  LeaveRequest,
  MeAnswer,
  OtpAnswer,
  PreferencesAnswer,
  PreferencesRequest,
  OtpRequest,
  QrAnswer,
  SessionAnswer,
  SessionRequest,
  SignOutAnswer,
} from './member-schemas.js';

type Auth = 'till' | 'operator' | 'member' | 'metrics' | 'none';

interface Op {
  method: 'GET' | 'POST';
  path: string;
  /** the method name a generated client gives this call */
  operationId: string;
  summary: string;
  auth: Auth;
  request?: z.ZodType;
  response: z.ZodType;
  status?: number;
  /** error statuses besides 400/401 (and 404 with path parameters) */
  errors?: Record<string, z.ZodType>;
  query?: { name: string; description: string; schema: Json }[];
  /** the success answer's media type when it is no JSON (a CSV export) */
  mediaType?: string;
}

const OPS: readonly Op[] = [
  {
    method: 'GET',
    path: '/v1/health',
    operationId: 'getHealth',
    summary: 'Liveness, version, storage, and batches accepted but not applied yet',
    auth: 'none',
    response: HealthAnswer,
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'getMetrics',
    summary:
      "This process's figures in Prometheus' text format: requests, uploads by outcome, entries accepted and " +
      'applied, apply passes, the inbox, the process (404 metrics_off while HQ_METRICS_TOKEN is unset)',
    auth: 'metrics',
    response: z.string(),
    mediaType: 'text/plain; version=0.0.4',
    errors: { '404': ErrorBody },
  },
  {
    method: 'POST',
    path: SYNC_PATHS.batches,
    operationId: 'uploadBatch',
    summary:
      "Upload the next batch of a till's ledger (gzip JSON, signed). Applied atomically if it continues the chain; a batch already held is a duplicate",
    auth: 'till',
    request: UploadBatch,
    response: BatchAck,
    errors: {
      '403': ErrorBody,
      '409': SequenceGap,
      '413': ErrorBody,
      '415': ErrorBody,
      '422': ErrorBody,
      '503': ErrorBody,
    },
  },
  {
    method: 'GET',
    path: SYNC_PATHS.changes,
    operationId: 'getChanges',
    summary:
      'The change feed after a cursor: members, cards, balances, rule sets, erasures. A member record carries its ' +
      'personal fields (name, phone, birthday, gender, ageBand, interests) sealed to the asking till in `personal` ' +
      "(AES-256-GCM under HKDF-SHA256 of the till's secret, core/sync/personal.ts)",
    auth: 'till',
    response: SealedChangesResponse,
    query: [
      {
        name: 'after',
        description: 'the cursor of the last change applied (0 at first)',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'afterAt',
        description:
          'the `cursorAt` of the page that cursor came from. Head office checks it holds that change with that ' +
          'stamp; when not (restored from a backup) the page starts earlier and says so in `rewound`',
        schema: { type: 'string', maxLength: 40 },
      },
      {
        name: 'limit',
        description: `at most this many changes (default ${CHANGES_DEFAULT_LIMIT})`,
        schema: { type: 'integer', minimum: 1, maximum: CHANGES_MAX_LIMIT },
      },
    ],
  },
  {
    method: 'GET',
    path: SYNC_PATHS.sale,
    operationId: 'getOriginalSale',
    summary:
      'A sale by POS receipt number, for a return at another store: its computation, its earn entry and every ' +
      "till's returns of it so far. 404 unknown_sale; 409 ambiguous_sale when several tills hold that number " +
      '(narrow with till or store); 422 sale_without_computation for a sale from a till too old to send it',
    auth: 'till',
    response: OriginalSale,
    errors: { '409': ErrorBody, '422': ErrorBody },
    query: [
      { name: 'till', description: "only this till's sale of that number", schema: { type: 'string' } },
      { name: 'store', description: "only this store's sale of that number", schema: { type: 'string' } },
    ],
  },
  {
    method: 'POST',
    path: SYNC_PATHS.memberLookup,
    operationId: 'lookupMemberByPhone',
    summary:
      'A member by normalised mobile number (in the signed body, never the URL), for a cashier at any store with ' +
      'the member in front of them: the member with name and phone (sealed to the asking till in `personal`, as in ' +
      'the feed), state and cards; the asking till then serves ' +
      `the member (the feed sends it name and phone). 404 unknown_member (erased members too); 409 ambiguous_phone; ` +
      `429 too_many_lookups above ${MEMBER_LOOKUPS_PER_MINUTE} a minute per till`,
    auth: 'till',
    request: MemberLookupRequest,
    response: SealedMemberLookupAnswer,
    errors: { '404': ErrorBody, '409': ErrorBody, '429': ErrorBody },
  },
  {
    method: 'GET',
    path: SYNC_PATHS.memberQrKey,
    operationId: 'getMemberQrKey',
    summary:
      "Head office's member-QR key (the one signing the member page's codes, `GET /v1/me/qr`), sealed to the " +
      'asking till: AES-256-GCM under HKDF-SHA256(till secret, info `hq-member-qr-key-v1`), AAD ' +
      '`<tillId>\\n<kid>\\nmember-qr-key`; `kid` is a fingerprint naming the key, so a till notices a rotation ' +
      'and keeps the previous key beside the new one (docs/member-page.md)',
    auth: 'till',
    response: SealedMemberQrKey,
  },
  {
    method: 'POST',
    path: SYNC_PATHS.rewardReserve,
    operationId: 'reserveReward',
    summary:
      'Hold one unit of a limited-stock reward before issuing it (docs/sync.md "Limited-stock rewards"). ' +
      "`reservationId` (the till's UUID) is the idempotency key: the same id again answers the same hold and never " +
      'takes a second unit. Every outcome is a signed 200: `reserved` (held until `expiresAt`, 10 minutes, unless the ' +
      "till's `reward` ledger entry carrying `data.reservationId` arrives first), `confirmed` (it did), `sold_out`, " +
      '`not_available` (unknown or unlimited reward, or outside its days); `remaining` is the chain-wide count after ' +
      'the answer. 409 reservation_conflict when the id already holds another reward',
    auth: 'till',
    request: RewardReserveRequest,
    response: RewardReserveAnswer,
    errors: { '409': ErrorBody },
  },
  {
    method: 'GET',
    path: '/v1/rewards/stock',
    operationId: 'getRewardStock',
    summary:
      'Limited-stock rewards of the rule set in force: stock, issued, held, released, remaining, oversold; and every ' +
      'issue that arrived after the stock was gone (offline issues past zero), for review',
    auth: 'operator',
    response: RewardStockSchema,
  },
  {
    method: 'GET',
    path: '/v1/members/{memberNo}',
    operationId: 'getMember',
    summary: 'A member: balance, tier, class, lifecycle, cards and ledger over every till (name and phone masked)',
    auth: 'operator',
    response: MemberViewSchema,
  },
  {
    method: 'POST',
    path: '/v1/members/{memberNo}/export',
    operationId: 'exportMember',
    summary: 'Everything held about a member, personal fields in clear (DOMAIN.md 10); recorded with who and why',
    auth: 'operator',
    request: OperatorRequestBody,
    response: MemberExportSchema,
  },
  {
    method: 'POST',
    path: '/v1/members/{memberNo}/erase',
    operationId: 'eraseMember',
    summary: "Erase a member's personal data here and on every till; the ledger stays (DOMAIN.md 10)",
    auth: 'operator',
    request: OperatorRequestBody,
    response: EraseAnswer,
  },
  {
    method: 'POST',
    path: '/v1/members/{memberNo}/adjustments',
    operationId: 'adjustPoints',
    summary:
      "Credit or debit a member's points by hand: a head-office ledger entry naming the operator, the reason " +
      'kept sealed beside it (adjustmentNotes); a debit never takes the shown balance below zero (422 insufficient_points)',
    auth: 'operator',
    request: AdjustmentRequest,
    response: AdjustmentAnswer,
    status: 201,
    errors: { '422': ErrorBody },
  },
  {
    method: 'POST',
    path: '/v1/members/{memberNo}/win-back',
    operationId: 'grantWinBack',
    summary: 'Grant a member the win-back offer from today (DOMAIN.md 8): a head-office ledger entry',
    auth: 'operator',
    request: WinBackRequest,
    response: WinBackAnswer,
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/eod',
    operationId: 'runEndOfDay',
    summary:
      "Head office's end-of-day run now (also daily after local midnight): expiry, due tier reviews, " +
      'win-back offers, classes. Running a day again writes nothing; the body may be empty',
    auth: 'operator',
    request: EodRequest,
    response: EodAnswer,
  },
  {
    method: 'POST',
    path: '/v1/cases/{id}/close',
    operationId: 'closeCase',
    summary: 'Close a reviewed double-spend case',
    auth: 'operator',
    request: OperatorRequestBody,
    response: CaseCloseAnswer,
  },
  {
    method: 'POST',
    path: '/v1/tills/{tillId}/chain/clear',
    operationId: 'clearChain',
    summary: "Clear a till's broken-chain flag after review",
    auth: 'operator',
    request: OperatorRequestBody,
    response: ChainClearAnswer,
  },
  {
    method: 'GET',
    path: '/v1/tills',
    operationId: 'listTills',
    summary: 'Per till: last upload and feed, acknowledged sequence, chain status, bad signatures, mismatches',
    auth: 'operator',
    response: TillsAnswer,
  },
  {
    method: 'GET',
    path: '/v1/tills/{tillId}/mismatches',
    operationId: 'listTillMismatches',
    summary: "A till's sales and returns head office's recomputation disagrees with, newest first, with what differed",
    auth: 'operator',
    response: TillMismatchesAnswer,
    errors: { '404': ErrorBody },
  },
  {
    method: 'POST',
    path: '/v1/tills',
    operationId: 'provisionTills',
    summary:
      'Issue tills in bulk (admin), as add-till does one at a time: each till answered once with its secret, ' +
      'or refused (till_exists, bad_id) without touching an existing till',
    auth: 'operator',
    request: ProvisionTillsRequest,
    response: ProvisionTillsAnswer,
    errors: { '403': ErrorBody },
  },
  {
    method: 'POST',
    path: '/v1/stores/{id}/name',
    operationId: 'nameStore',
    summary: 'Name or rename a store (admin); pages and reports show the name instead of the id',
    auth: 'operator',
    request: RenameRequest,
    response: RenameAnswer,
    errors: { '403': ErrorBody, '404': ErrorBody },
  },
  {
    method: 'POST',
    path: '/v1/tills/{id}/name',
    operationId: 'nameTill',
    summary: 'Name or rename a till (admin)',
    auth: 'operator',
    request: RenameRequest,
    response: RenameAnswer,
    errors: { '403': ErrorBody, '404': ErrorBody },
  },
  {
    method: 'GET',
    path: '/v1/reports/summary',
    operationId: 'getSummary',
    summary: 'The programme measures of DOMAIN.md 9, tills and double-spend cases',
    auth: 'operator',
    response: SummaryReportSchema,
  },
  {
    method: 'GET',
    path: '/v1/reports/daily',
    operationId: 'getDailyReport',
    summary:
      'The programme measures day by day (sales, member sales, points issued / redeemed / expired, enrolments) ' +
      'over a local date range of at most 366 days, for the chain and each store; 400 bad_query names the parameter',
    auth: 'operator',
    response: DailyReportSchema,
    query: dateRangeQuery('only this store; repeat for several'),
  },
  {
    method: 'GET',
    path: '/v1/reports/overview',
    operationId: 'getOverviewReport',
    summary:
      "The overview's period measures beside the daily series: churn (members lapsed to dormant in the period / " +
      'members active at its start, from the end-of-day snapshots), repurchase against the previous period and its ' +
      'target, the programme targets; same query as the daily report',
    auth: 'operator',
    response: OverviewReportSchema,
    query: dateRangeQuery('only this store (repurchase); repeat for several'),
  },
  {
    method: 'GET',
    path: '/v1/targets',
    operationId: 'getTargets',
    summary:
      "The programme's targets (member share band, repurchase and CLV lifts, CLV baseline): the guides' figures until set",
    auth: 'operator',
    response: TargetsAnswer,
  },
  {
    method: 'POST',
    path: '/v1/targets',
    operationId: 'setTargets',
    summary: "Set the programme's targets (admin); who and why are kept with them",
    auth: 'operator',
    request: TargetsRequest,
    response: TargetsAnswer,
  },
  {
    method: 'GET',
    path: '/v1/feedback',
    operationId: 'listFeedback',
    summary: 'Complaints and suggestions recorded at the tills (DOMAIN.md 9), oldest first; analyst or admin',
    auth: 'operator',
    response: FeedbackList,
    query: [
      {
        name: 'status',
        description: 'only those open, assigned or closed',
        schema: { type: 'string', enum: ['open', 'assigned', 'closed'] },
      },
    ],
  },
  {
    method: 'POST',
    path: '/v1/feedback/{id}/assign',
    operationId: 'assignFeedback',
    summary: 'Assign a piece of feedback to someone to follow it up (409 feedback_closed once closed)',
    auth: 'operator',
    request: FeedbackAssignRequest,
    response: FeedbackActionAnswer,
    errors: { '403': ErrorBody, '409': ErrorBody },
  },
  {
    method: 'POST',
    path: '/v1/feedback/{id}/close',
    operationId: 'closeFeedback',
    summary: 'Close a piece of feedback with a note of what was done (kept encrypted); closing again changes nothing',
    auth: 'operator',
    request: FeedbackCloseRequest,
    response: FeedbackActionAnswer,
    errors: { '403': ErrorBody },
  },
  {
    method: 'GET',
    path: '/v1/reports/members',
    operationId: 'getMembersReport',
    summary:
      'The Members report (analyst): tier distribution, A/B/C/D with spend boundaries, lifecycle funnel, RFM cells ' +
      "(scores by quintile, core/rfm.ts); with ?cell= that cell's members, masked fields only",
    auth: 'operator',
    response: MembersReportSchema,
    errors: { '403': ErrorBody },
    query: [{ name: 'cell', description: 'an RFM cell, e.g. R5F4M3', schema: { type: 'string' } }],
  },
  {
    method: 'GET',
    path: '/v1/exports/members.csv',
    operationId: 'exportMembersCsv',
    summary:
      "An RFM cell's members as CSV (analyst; UTF-8 with BOM, zh-CN headers, masked fields only), " +
      "recorded as an 'export_segment' operator action with operatorId and reason",
    auth: 'operator',
    response: z.string(),
    mediaType: 'text/csv',
    errors: { '403': ErrorBody },
    query: [
      { name: 'cell', description: 'the RFM cell, e.g. R5F4M3 (required)', schema: { type: 'string' } },
      { name: 'operatorId', description: "who exports (a named operator's own id)", schema: { type: 'string' } },
      { name: 'reason', description: 'why (required; kept with the action)', schema: { type: 'string' } },
    ],
  },
  {
    method: 'POST',
    path: '/v1/segments/refresh',
    operationId: 'refreshSegments',
    summary: 'Recompute A/B/C/D classes now (also done hourly)',
    auth: 'operator',
    response: SegmentsAnswer,
  },
  {
    method: 'POST',
    path: '/v1/rulesets',
    operationId: 'publishRuleSet',
    summary: 'Publish a rule-set version; tills apply it from its effectiveFrom',
    auth: 'operator',
    request: RuleSet,
    response: PublishAnswer,
    status: 201,
    errors: { '409': ErrorBody },
  },
  {
    method: 'GET',
    path: '/v1/reports/nps',
    operationId: 'getNpsReport',
    summary:
      'Receipt survey NPS (promoters 9-10 minus detractors 0-6, % of answers) for sale dates from..to: the chain, ' +
      'each store with the complaints and suggestions recorded at its tills, and each ISO week (docs/member-page.md)',
    auth: 'operator',
    response: NpsReportSchema,
    errors: { '403': ErrorBody },
    query: [
      {
        name: 'from',
        description: 'first sale date, YYYY-MM-DD (required)',
        schema: { type: 'string', format: 'date' },
      },
      { name: 'to', description: 'last sale date, inclusive (required)', schema: { type: 'string', format: 'date' } },
      {
        name: 'store',
        description: 'only this store; repeat for several',
        schema: { type: 'array', items: { type: 'string' } },
      },
    ],
  },
  ...campaignOps(),
  ...segmentOps(),
  ...meOps(),
  ...surveyOps(),
];

/** The local date range (and store set) the daily report and the overview take. */
function dateRangeQuery(storeDescription: string): NonNullable<Op['query']> {
  return [
    {
      name: 'from',
      description: 'first local date, YYYY-MM-DD (required)',
      schema: { type: 'string', format: 'date' },
    },
    {
      name: 'to',
      description: 'last local date, YYYY-MM-DD, inclusive (required)',
      schema: { type: 'string', format: 'date' },
    },
    { name: 'store', description: storeDescription, schema: { type: 'array', items: { type: 'string' } } },
  ];
}

/** The receipt survey (routes/survey.ts): answered without signing in, by the receipt's token. */
function surveyOps(): Op[] {
  const refusals = { '403': ErrorBody, '409': ErrorBody, '410': ErrorBody };
  return [
    {
      method: 'GET',
      path: '/v1/me/survey',
      operationId: 'getSurvey',
      summary:
        "The receipt's sale (store, date) and whether it is answered. 400 survey_token_malformed, 403 " +
        'survey_token_forged or survey_wrong_store, 410 survey_token_expired (30 days after the sale)',
      auth: 'none',
      response: SurveyInfo,
      errors: { '403': ErrorBody, '410': ErrorBody },
      query: [{ name: 's', description: "the token from the receipt QR code's URL", schema: { type: 'string' } }],
    },
    {
      method: 'POST',
      path: '/v1/me/survey',
      operationId: 'answerSurvey',
      summary:
        'Answer the receipt survey (0-10 and a comment), one answer per sale: 409 survey_already_answered. ' +
        'With a member session cookie the answer is kept with that member',
      auth: 'none',
      request: SurveyAnswerRequest,
      response: SurveyAnswered,
      status: 201,
      errors: refusals,
    },
  ];
}

/** Campaigns (routes/campaigns.ts, docs/campaigns.md). */
function campaignAction(t: 'approve' | 'start' | 'end', summary: string, response: z.ZodType): Op {
  return {
    method: 'POST',
    path: `/v1/campaigns/{id}/${t}`,
    operationId: `${t}Campaign`,
    summary,
    auth: 'operator',
    request: CampaignActionRequest,
    response,
    errors: { '403': ErrorBody, '409': ErrorBody },
  };
}

function campaignOps(): Op[] {
  return [
    {
      method: 'POST',
      path: '/v1/campaigns',
      operationId: 'createCampaign',
      summary:
        "A campaign draft (admin): target rule, offer, holdout share, points budget; its author is the token's operator",
      auth: 'operator',
      request: CampaignCreateRequest,
      response: CampaignSchema,
      status: 201,
      errors: { '403': ErrorBody, '409': ErrorBody },
    },
    {
      method: 'GET',
      path: '/v1/operators/me',
      operationId: 'whoAmI',
      summary: 'Who the token acts as (viewer): the id campaigns and segments record, the role',
      auth: 'operator',
      response: OperatorMe,
    },
    {
      method: 'POST',
      path: '/v1/campaigns/preview',
      operationId: 'previewCampaign',
      summary: "How many active members a target matches now, and the holdout's expected size (analyst); nothing saved",
      auth: 'operator',
      request: CampaignPreviewRequest,
      response: CampaignPreview,
      errors: { '403': ErrorBody },
    },
    {
      method: 'GET',
      path: '/v1/campaigns',
      operationId: 'listCampaigns',
      summary: 'Every campaign (analyst)',
      auth: 'operator',
      response: CampaignList,
      errors: { '403': ErrorBody },
    },
    campaignAction(
      'approve',
      'Approve a draft (admin), by an operator other than its author (409 campaign_state)',
      CampaignSchema,
    ),
    campaignAction(
      'start',
      'Start an approved campaign (admin): choose the matching members, hold out the share, write one offer ledger entry per target member while the budget lasts',
      CampaignStartAnswer,
    ),
    campaignAction(
      'end',
      'End a campaign (admin): no grant after; offers already granted run to their last day',
      CampaignSchema,
    ),
    {
      method: 'GET',
      path: '/v1/campaigns/{id}/result',
      operationId: 'getCampaignResult',
      summary:
        "A campaign's measures (analyst): targeted, held out, granted, used, spend and visits per member against the holdout with Welch's 95 % interval, points cost and the return on it",
      auth: 'operator',
      response: CampaignResult,
      errors: { '403': ErrorBody },
    },
  ];
}

/** The member's own page (routes/me.ts, docs/member-page.md). */
function meOps(): Op[] {
  return [
    {
      method: 'POST',
      path: '/v1/me/otp',
      operationId: 'requestMemberCode',
      summary:
        "A 6-digit one-time code to the member's phone through the message channel (5 minutes, 5 tries). Always " +
        '202 sent, member or not, answered before the text goes; the code works only from the asking address. ' +
        '429 otp_rate_limited (per number and address one a minute and five a day; per number 30 a day), ' +
        '429 too_many_code_requests (ten an hour per address, any numbers); both with retryAfterSeconds',
      auth: 'none',
      request: OtpRequest,
      response: OtpAnswer,
      status: 202,
      errors: { '429': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/me/session',
      operationId: 'signInMember',
      summary:
        'Sign in with phone and code: sets the lm_session cookie (HttpOnly, SameSite=Strict, Secure over TLS, 7 days). ' +
        '401 wrong_code (with triesLeft), code_expired, no_code (none asked for from this address, used, or tries spent)',
      auth: 'none',
      request: SessionRequest,
      response: SessionAnswer,
    },
    {
      method: 'POST',
      path: '/v1/me/signout',
      operationId: 'signOutMember',
      summary: 'Ends the session and clears its cookie',
      auth: 'member',
      response: SignOutAnswer,
    },
    {
      method: 'GET',
      path: '/v1/me',
      operationId: 'getMe',
      summary: 'The signed-in member: balance, tier and progress, points expiring in 60 days, live offers, coupons',
      auth: 'member',
      response: MeAnswer,
    },
    {
      method: 'GET',
      path: '/v1/me/qr',
      operationId: 'getMemberQr',
      summary:
        "The dynamic signed member QR text (core/cards/memberqr.ts) a till's scanner accepts in place of a card; " +
        'ask again every refreshSeconds',
      auth: 'member',
      response: QrAnswer,
    },
    {
      method: 'GET',
      path: '/v1/me/preferences',
      operationId: 'getMemberPreferences',
      summary:
        'Marketing consent, preferred channel and interests, the choices (fixed interest list), and every change with ' +
        'when and where it was made (a till and staff id, or the member page)',
      auth: 'member',
      response: PreferencesAnswer,
    },
    {
      method: 'POST',
      path: '/v1/me/preferences',
      operationId: 'changeMemberPreferences',
      summary:
        'Changes any of consent, channel and interests (kept in the history as made on the member page; reaches every ' +
        'till through the change feed; last change wins per field). 422 nothing_to_change, unknown_interest',
      auth: 'member',
      request: PreferencesRequest,
      response: PreferencesAnswer,
      errors: { '422': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/me/leave',
      operationId: 'leaveProgramme',
      summary:
        "The member leaves the programme: the same erasure as an operator's (DOMAIN.md 10), attributed to the " +
        'member page, then the session ends. Needs {"confirm": true}',
      auth: 'member',
      request: LeaveRequest,
      response: LeaveAnswer,
    },
  ];
}

const SECURITY: Record<Auth, unknown[]> = {
  till: [{ tillSignature: [], tillTimestamp: [] }],
  operator: [{ operatorToken: [] }],
  member: [{ memberSession: [] }],
  metrics: [{ metricsToken: [] }],
  none: [],
};

export function headOfficeOpenApi(version: string): Json {
  const schemas: Json = {};
  const error = (s: z.ZodType = ErrorBody) => ({
    description: 'error',
    content: { 'application/json': { schema: schemaOf(s, 'output', schemas) } },
  });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) {
    const params = pathParameters(op.path).parameters ?? [];
    const query = (op.query ?? []).map((q) => ({ in: 'query', required: false, ...q }));
    const errors: Record<string, unknown> = { '400': error() };
    if (op.auth !== 'none') errors['401'] = error();
    if (params.length > 0) errors['404'] = error();
    for (const [status, s] of Object.entries(op.errors ?? {})) errors[status] = error(s);
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      security: SECURITY[op.auth],
      ...(op.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(op.request, 'input', schemas) } },
            },
          }
        : {}),
      responses: {
        [String(op.status ?? 200)]: {
          description: 'success',
          content: { [op.mediaType ?? 'application/json']: { schema: schemaOf(op.response, 'output', schemas) } },
        },
        ...(op.method === 'GET' && op.auth === 'none' ? {} : errors),
      },
    };
  }
  paths['/v1/openapi.json'] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      security: [],
      responses: { '200': { description: 'OpenAPI 3.1' } },
    },
  };
  for (const p of ['/', '/dashboard']) {
    paths[p] = {
      get: {
        operationId: p === '/' ? 'getDashboardRoot' : 'getDashboard',
        summary:
          "The programme dashboard, head office's web application (HTML; headoffice/app; it asks for the operator " +
          'token itself; 503 with the build command when it is not built)',
        security: [],
        responses: {
          '200': { description: 'text/html' },
          '503': { description: 'text/plain: the application is not built (npm run build:hq-app)' },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Till loyalty: head office API',
      // The package is private (package.json); integrators use it under their contract with the chain.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      version,
      description:
        'Money is integer fen, points are integers. Errors: {"error":{"code","message","field?"}} with a 4xx ' +
        'status (503 inbox_stuck when a till must retry later); a 500 is a defect. Till requests are signed: ' +
        'Authorization: Till <tillId>:<hex HMAC-SHA256(secret, METHOD\\nTARGET\\nTIMESTAMP\\nsha256hex(BODY))> ' +
        'with X-Till-Timestamp (headoffice/README.md).',
    },
    servers: [{ url: 'http://127.0.0.1:7430' }],
    components: {
      schemas,
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'HQ_OPERATOR_TOKEN' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'HQ_METRICS_TOKEN (GET /metrics only)' },
        tillSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'Till <tillId>:<signature>',
        },
        tillTimestamp: { type: 'apiKey', in: 'header', name: 'X-Till-Timestamp' },
        memberSession: { type: 'apiKey', in: 'cookie', name: 'lm_session', description: 'POST /v1/me/session' },
      },
    },
    paths,
  };
}

/** [METHOD, path] of every documented operation, for the completeness test. */
export function documentedRoutes(): [string, string][] {
  return OPS.map((o) => [o.method, o.path]);
}

/** Saved segments (routes/segments.ts, docs/campaigns.md "Saved segments"). */
function segmentOps(): Op[] {
  return [
    {
      method: 'GET',
      path: '/v1/segments',
      operationId: 'listSegments',
      summary: 'The saved segments, newest first (analyst)',
      auth: 'operator',
      response: SegmentList,
      errors: { '403': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/segments',
      operationId: 'saveSegment',
      summary:
        "Save a member view as a named segment (analyst): its rule, re-evaluated when used, and the count it matches now; attributed to the token's operator",
      auth: 'operator',
      request: SegmentCreateRequest,
      response: SegmentSchema,
      status: 201,
      errors: { '403': ErrorBody, '409': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/segments/preview',
      operationId: 'previewSegment',
      summary: 'How many active members a rule matches now (analyst); nothing saved',
      auth: 'operator',
      request: SegmentPreviewRequest,
      response: SegmentCount,
      errors: { '403': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/segments/{id}/rename',
      operationId: 'renameSegment',
      summary: 'Rename a saved segment (analyst); 409 segment_name_taken',
      auth: 'operator',
      request: SegmentRenameRequest,
      response: SegmentSchema,
      errors: { '403': ErrorBody, '409': ErrorBody },
    },
    {
      method: 'POST',
      path: '/v1/segments/{id}/delete',
      operationId: 'deleteSegment',
      summary: 'Delete a saved segment (analyst); 409 segment_in_use while a campaign not ended targets it',
      auth: 'operator',
      request: SegmentDeleteRequest,
      response: SegmentDeleteAnswer,
      errors: { '403': ErrorBody, '409': ErrorBody },
    },
  ];
}
