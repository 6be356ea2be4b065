/**
 * Compile-time only: head office's answers (from its zod schemas) still fit what the web
 * application reads (headoffice/app/src/lib/types.ts, written out so the app's build depends
 * on nothing server-side). `npm run typecheck` fails here when they drift apart.
 */
import type { z } from 'zod';
import type { HealthAnswer } from './api-schemas.js';
import type * as App from './app/src/lib/types.js';
import type * as AppMembers from './app/src/lib/members.js';
import type * as AppCampaigns from './app/src/lib/campaigns.js';
import type { CampaignResult, CampaignView, OperatorMe } from './campaign-schemas.js';
import type { SegmentView } from './segment-schemas.js';
import type { DailyReport, MemberView, SummaryReport, TillView } from './store/types.js';
import type { HqStore } from './store/types.js';
import type { NpsReport } from './survey-schemas.js';
import type { RewardStockReport } from './store/stock.js';

// Each line fails to compile when the server's answer no longer fits the app's type.
const a: App.SummaryReport = null as unknown as SummaryReport;
const b: App.DailyReport = null as unknown as DailyReport;
const c: App.TillView = null as unknown as TillView;
const d: App.Health = null as unknown as z.output<typeof HealthAnswer>;
const e: App.MemberView = null as unknown as MemberView;
const f: AppMembers.MembersReport = null as unknown as Awaited<ReturnType<HqStore['membersReport']>>;
const g: AppCampaigns.Campaign = null as unknown as CampaignView;
const h: AppCampaigns.CampaignResult = null as unknown as CampaignResult;
const i: AppCampaigns.Segment = null as unknown as SegmentView;
const j: AppCampaigns.OperatorMe = null as unknown as z.output<typeof OperatorMe>;
const k: App.NpsReport = null as unknown as NpsReport;
const l: App.RewardStockReport = null as unknown as RewardStockReport;
export const probe = [a, b, c, d, e, f, g, h, i, j, k, l];
