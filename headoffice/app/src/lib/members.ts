/**
 * The Members report and its CSV export as the dashboard reads them (GET /v1/reports/members,
 * GET /v1/exports/members.csv). Types from core/rfm.ts, where the server computes them;
 * headoffice/app-contract.ts checks the server's answer still fits them.
 */
import { ApiError, api, session, type Attribution } from './api.js';

import type {
  CltvReport,
  CohortRow,
  MembersReport as MemberAggregates,
  RfmMember,
  TierMovement,
} from '../../../../core/rfm.js';
import type { MemberClass } from '../../../../core/segments.js';

export type { MemberClass, RfmMember };

/** The aggregates core/rfm.ts computes, with what the store adds to the answer. */
export interface MembersReport extends MemberAggregates {
  tierMovement: TierMovement;
  cohorts: CohortRow[];
  cltv: CltvReport;
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
