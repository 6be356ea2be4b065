/**
 * The operator endpoints as the dashboard calls them: the token the operator typed goes in the
 * Authorization header (kept in sessionStorage, never in a URL); every failure becomes an
 * ApiError with the server's stable code.
 */
import type { Targets } from '../../../../core/overview.js';
import type {
  DailyReport,
  Health,
  MemberView,
  NpsReport,
  RewardStockReport,
  OverviewReport,
  StoredTargets,
  SummaryReport,
  TillMismatches,
  TillView,
} from './types.js';

const TOKEN_KEY = 'hqOperatorToken';
const OPERATOR_KEY = 'hqOperatorId';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

export const session = {
  token: (): string => sessionStorage.getItem(TOKEN_KEY) ?? '',
  setToken: (v: string): void => sessionStorage.setItem(TOKEN_KEY, v),
  operatorId: (): string => sessionStorage.getItem(OPERATOR_KEY) ?? '',
  setOperatorId: (v: string): void => sessionStorage.setItem(OPERATOR_KEY, v),
  forget: (): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(OPERATOR_KEY);
  },
};

async function call<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.token()}` };
  const init: RequestInit = { headers, cache: 'no-store', referrerPolicy: 'no-referrer' };
  if (body !== undefined) {
    init.method = 'POST';
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const answer = (await r.json().catch(() => ({}))) as { error?: { code?: string } };
  if (!r.ok) throw new ApiError(r.status, answer.error?.code ?? String(r.status));
  return answer as T;
}

/** An attributed action: who asks and why (DOMAIN.md 10), both kept by head office. */
export interface Attribution {
  operatorId: string;
  reason: string;
}

export const api = {
  /** any operator GET answering JSON (pages with their own answer types, e.g. lib/members.ts) */
  get: <T>(path: string) => call<T>(path),
  /** any operator POST with a JSON body (campaigns and segments, lib/campaigns.ts) */
  post: <T>(path: string, body: unknown) => call<T>(path, body),
  summary: () => call<SummaryReport>('/v1/reports/summary'),
  daily: (from: string, to: string, stores: readonly string[] = []) => {
    const q = new URLSearchParams({ from, to });
    for (const s of stores) q.append('store', s);
    return call<DailyReport>(`/v1/reports/daily?${q.toString()}`);
  },
  nps: (from: string, to: string, stores: readonly string[] = []) => {
    const q = new URLSearchParams({ from, to });
    for (const s of stores) q.append('store', s);
    return call<NpsReport>(`/v1/reports/nps?${q.toString()}`);
  },
  overview: (from: string, to: string, stores: readonly string[] = []) => {
    const q = new URLSearchParams({ from, to });
    for (const s of stores) q.append('store', s);
    return call<OverviewReport>(`/v1/reports/overview?${q.toString()}`);
  },
  setTargets: (t: Targets, who: Attribution) => call<StoredTargets>('/v1/targets', { ...t, ...who }),
  tills: async () => (await call<{ tills: TillView[] }>('/v1/tills')).tills,
  tillMismatches: (tillId: string) => call<TillMismatches>(`/v1/tills/${encodeURIComponent(tillId)}/mismatches`),
  rewardStock: () => call<RewardStockReport>('/v1/rewards/stock'),
  health: () => call<Health>('/v1/health'),
  member: (memberNo: string) => call<MemberView>(`/v1/members/${encodeURIComponent(memberNo)}`),
  exportMember: (memberNo: string, who: Attribution) =>
    call<unknown>(`/v1/members/${encodeURIComponent(memberNo)}/export`, who),
  eraseMember: (memberNo: string, who: Attribution) =>
    call<unknown>(`/v1/members/${encodeURIComponent(memberNo)}/erase`, who),
  closeCase: (id: number, who: Attribution) => call<unknown>(`/v1/cases/${id}/close`, who),
  clearChain: (tillId: string, who: Attribution) =>
    call<unknown>(`/v1/tills/${encodeURIComponent(tillId)}/chain/clear`, who),
};
