/**
 * Campaigns and saved segments as the application reads them (routes/campaigns.ts,
 * routes/segments.ts; docs/campaigns.md). Types come from core/campaigns.ts (type imports only:
 * its runtime needs node:crypto); headoffice/app-contract.ts checks the server's answers fit them.
 */
import { api } from './api.js';

import type {
  CampaignOffer,
  CampaignStatus,
  CampaignTarget,
  Campaign,
  ReturnOnCost,
  SegmentRule,
} from '../../../../core/campaigns.js';
import type { Lifecycle, MemberClass } from '../../../../core/segments.js';

export type { CampaignOffer, CampaignStatus, CampaignTarget, Campaign, Lifecycle, MemberClass, SegmentRule };

export interface Segment {
  id: string;
  name: string;
  rule: SegmentRule;
  countAtSave: number;
  asOf: string;
  createdBy: string;
  createdAt: string;
  renamedBy: string | null;
  renamedAt: string | null;
}

export type OfferKind = CampaignOffer['kind'];
export const OFFER_KINDS: readonly OfferKind[] = ['multiplier', 'bonus', 'coupon', 'service'];

/** The unit the budget and the estimate per grant count in: points, or fen for a coupon or a service. */
export function budgetUnitOf(kind: OfferKind): 'points' | 'fen' {
  return kind === 'coupon' || kind === 'service' ? 'fen' : 'points';
}

export interface CampaignDraft {
  id?: string;
  name: string;
  target: CampaignTarget;
  offer: CampaignOffer;
  holdoutPercent: number;
  budgetPoints: number;
  costPerGrant: number;
  startOn?: string;
  endOn?: string;
}

export interface CampaignResult {
  campaign: Campaign;
  targeted: number;
  heldOut: number;
  granted: number;
  reached: number;
  used: number;
  spendPerMember: {
    target: number;
    holdout: number;
    difference: number;
    low: number | null;
    high: number | null;
    df: number | null;
  };
  visitsPerMember: { target: number; holdout: number };
  pointsCost: number;
  moneyCost: number;
  estimatedCost: number;
  returnOnCost: ReturnOnCost;
  segmentName: string | null;
}

export interface OperatorMe {
  operatorId: string;
  role: 'viewer' | 'analyst' | 'admin';
  shared: boolean;
}

const seg = (id: string): string => `/v1/segments/${encodeURIComponent(id)}`;
const camp = (id: string): string => `/v1/campaigns/${encodeURIComponent(id)}`;

export const segmentsApi = {
  list: async () => (await api.get<{ segments: Segment[] }>('/v1/segments')).segments,
  save: (name: string, rule: SegmentRule) => api.post<Segment>('/v1/segments', { name, rule }),
  preview: (rule: SegmentRule) => api.post<{ asOf: string; members: number }>('/v1/segments/preview', { rule }),
  rename: (id: string, name: string) => api.post<Segment>(`${seg(id)}/rename`, { name }),
  remove: (id: string) => api.post<{ status: 'deleted' }>(`${seg(id)}/delete`, {}),
};

export const campaignsApi = {
  me: () => api.get<OperatorMe>('/v1/operators/me'),
  list: async () => (await api.get<{ campaigns: Campaign[] }>('/v1/campaigns')).campaigns,
  create: (draft: CampaignDraft) => api.post<Campaign>('/v1/campaigns', draft),
  preview: (target: CampaignTarget, holdoutPercent: number) =>
    api.post<{ asOf: string; matching: number; expectedHoldout: number }>('/v1/campaigns/preview', {
      target,
      holdoutPercent,
    }),
  act: (id: string, action: 'approve' | 'start' | 'end') => api.post<unknown>(`${camp(id)}/${action}`, {}),
  result: (id: string) => api.get<CampaignResult>(`${camp(id)}/result`),
};

/** Why this operator may not approve the campaign, or null (docs/campaigns.md "States"). */
export function approveRefusal(c: Campaign, me: OperatorMe | null): 'author' | 'role' | null {
  if (!me) return null;
  if (me.role !== 'admin') return 'role';
  return c.createdBy === me.operatorId ? 'author' : null;
}

/** The rule without empty lists (the server refuses an empty list: "none" means "not a criterion"). */
export function cleanRule<R extends SegmentRule>(r: R): R {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as R;
}
