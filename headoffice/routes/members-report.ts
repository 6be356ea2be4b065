/**
 * The Members report and its first export (issue 13, items 3 and 6):
 *
 *   GET /v1/reports/members[?cell=R5F4M3]   analyst: the aggregates; with a cell, its members
 *   GET /v1/exports/members.csv?cell=R5F4M3&operatorId=..&reason=..
 *                                           analyst: the same members as CSV for Excel,
 *                                           recorded as an 'export_segment' operator action
 *
 * Members are listed by member number and masked fields only (tier, class, lifecycle, R/F/M):
 * never a name or a phone. The CSV is UTF-8 with a BOM (Excel opens it as UTF-8) and zh-CN
 * column headers from DOMAIN.md 11's glossary.
 */
import { attributedId } from '../auth/operator.js';
import { OperatorRequestBody, RfmCellParam } from '../api-schemas.js';
import { HttpError } from '../http/errors.js';
import type { Router } from '../http/router.js';
import type { RfmMember } from '../store/members-report.js';
import type { AppDeps } from './deps.js';

const TIER_ZH: Record<string, string> = { ordinary: '普通会员', silver: '银卡', gold: '金卡', diamond: '钻石卡' };
const LIFECYCLE_ZH: Record<RfmMember['lifecycle'], string> = {
  new: '新会员',
  active: '活跃期',
  at_risk: '流失风险',
  dormant: '沉睡',
};

/** The CSV's columns: zh-CN header, then the value of a member. */
export const CSV_COLUMNS: readonly [string, (m: RfmMember) => string][] = [
  ['会员号', (m) => m.memberNo],
  ['会员等级', (m) => TIER_ZH[m.tier] ?? m.tier],
  ['ABCD 分类', (m) => m.class],
  ['生命周期阶段', (m) => LIFECYCLE_ZH[m.lifecycle]],
  ['距上次消费天数（R）', (m) => (m.recencyDays === null ? '' : String(m.recencyDays))],
  ['近 12 个月消费次数（F）', (m) => String(m.frequency)],
  ['近 12 个月消费金额（元）（M）', (m) => (m.monetary / 100).toFixed(2)],
  ['R 分', (m) => String(m.r ?? '')],
  ['F 分', (m) => String(m.f ?? '')],
  ['M 分', (m) => String(m.m ?? '')],
  ['RFM 单元', (m) => m.cell ?? ''],
];

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
function field(s: string): string {
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function membersCsv(members: readonly RfmMember[]): string {
  const lines = [CSV_COLUMNS.map(([h]) => field(h)).join(',')];
  for (const m of members) lines.push(CSV_COLUMNS.map(([, v]) => field(v(m))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function cellOf(url: URL, required: boolean): string | null {
  const raw = url.searchParams.get('cell');
  if (raw === null) {
    if (required) throw new HttpError(400, 'bad_query', 'cell: required, e.g. R5F4M3', {}, 'cell');
    return null;
  }
  const parsed = RfmCellParam.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, 'bad_query', `cell: ${parsed.error.issues[0]?.message}`, {}, 'cell');
  return parsed.data;
}

export function membersReportRoutes(router: Router, app: AppDeps): void {
  router.add('GET', '/v1/reports/members', async (ctx) => {
    await app.operator.check(ctx.req, 'analyst');
    return { status: 200, body: await app.store.membersReport(app.now(), cellOf(ctx.url, false)) };
  });

  router.add('GET', '/v1/exports/members.csv', async (ctx) => {
    const who = await app.operator.check(ctx.req, 'analyst');
    const cell = cellOf(ctx.url, true) as string;
    const parsed = OperatorRequestBody.safeParse({
      operatorId: ctx.url.searchParams.get('operatorId') ?? (who.kind === 'named' ? who.id : undefined),
      reason: ctx.url.searchParams.get('reason') ?? undefined,
    });
    if (!parsed.success) {
      const f = String(parsed.error.issues[0]?.path[0] ?? 'reason');
      throw new HttpError(400, 'bad_query', `${f}: ${parsed.error.issues[0]?.message ?? 'required'}`, {}, f);
    }
    const request = { ...parsed.data, operatorId: attributedId(who, parsed.data.operatorId) };
    const out = await app.store.exportSegment(app.now(), cell, request);
    // No member numbers in the log: who, which cell, how many, why.
    app.log.log('info', 'segment_exported', { cell, members: out.members.length, operatorId: request.operatorId });
    return {
      status: 200,
      body: membersCsv(out.members),
      raw: { contentType: 'text/csv; charset=utf-8', filename: `members-${cell}-${out.today}.csv` },
    };
  });
}
