/**
 * The Members report and its CSV export as the dashboard reads them (GET /v1/reports/members,
 * GET /v1/exports/members.csv). Types written out as in types.ts; headoffice/app-contract.ts
 * checks the server's answer still fits them.
 */
import { ApiError, api, session, type Attribution } from './api.js';
import type { Lifecycle } from './types.js';

export type MemberClass = 'A' | 'B' | 'C' | 'D';

export interface RfmMember {
  memberNo: string;
  tier: string;
  class: MemberClass;
  lifecycle: Lifecycle;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  r: number | null;
  f: number | null;
  m: number | null;
  cell: string | null;
}

export interface MembersReport {
  asOf: string;
  members: number;
  tiers: { tier: string; members: number }[];
  classes: { class: MemberClass; members: number; minSpend: number | null; maxSpend: number | null }[];
  lifecycle: { stage: Lifecycle; members: number }[];
  rfm: {
    scored: number;
    unscored: number;
    cells: { cell: string; r: number; f: number; m: number; members: number }[];
  };
  tierMovement: {
    months: { month: string; upgrades: number; downgrades: number }[];
    flows: { from: string; to: string; direction: 'up' | 'down'; members: number }[];
    upgrades: number;
    downgrades: number;
  };
  cohorts: { cohort: string; members: number; buyers: number[]; share: number[] }[];
  cltv: {
    members: number;
    averageOrderValue: number | null;
    purchaseFrequency: number | null;
    churn: { base: number; retained: number; churned: number; rate: number | null };
    lifetimeYears: number;
    lifetimeBasis: 'churn' | 'cap' | 'unmeasured';
    mean: number | null;
    median: number | null;
    buckets: { min: number; max: number | null; members: number }[];
  };
  cell: string | null;
  cellMembers: RfmMember[] | null;
}

export const membersApi = {
  report: (cell?: string) =>
    api.get<MembersReport>(`/v1/reports/members${cell ? `?cell=${encodeURIComponent(cell)}` : ''}`),
  /** The cell's members as head office's CSV (the export is recorded with who and why); saved as a file. */
  async exportCsv(cell: string, who: Attribution): Promise<{ filename: string; bytes: number }> {
    const q = new URLSearchParams({ cell, operatorId: who.operatorId, reason: who.reason });
    const r = await fetch(`/v1/exports/members.csv?${q.toString()}`, {
      headers: { Authorization: `Bearer ${session.token()}` },
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (!r.ok) {
      const answer = (await r.json().catch(() => ({}))) as { error?: { code?: string } };
      throw new ApiError(r.status, answer.error?.code ?? String(r.status));
    }
    const blob = await r.blob();
    const filename =
      /filename="([^"]+)"/.exec(r.headers.get('content-disposition') ?? '')?.[1] ?? `members-${cell}.csv`;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return { filename, bytes: blob.size };
  },
};
