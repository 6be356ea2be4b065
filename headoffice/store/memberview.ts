/** The operator's view of one member (GET /v1/members/{memberNo}). */
import { lowestTier } from '../../core/engine/tiers.js';
import {
  emptyState,
  expiringBetween,
  rollingSpend,
  visibleBalance,
  type MemberState,
} from '../../core/ledger/state.js';
import { maskName, maskPhone } from '../../core/members.js';
import { EXPIRING_SOON_DAYS } from '../../core/ledger/expiry.js';
import { addDays, localDate } from '../../core/time.js';
import type { HqCipher } from '../crypto.js';
import { lifecycle, type MemberClass } from '../../core/segments.js';
import type { RuleSetCache } from './rulesets.js';
import { all, get, type Sql } from '../../storage/sql.js';
import { adjustmentNotesOf } from './adjustment-notes.js';
import { plainEntry, rowToEntry, type LedgerRow } from './rows.js';
import type { MemberView } from './types.js';

interface Row {
  name_enc: Buffer;
  phone_enc: Buffer;
  status: 'active' | 'blocked';
  enrolled_store: string;
  consent_at: string;
  class: MemberClass | null;
  erased_at: string | null;
}

/**
 * The member's first sale: the earliest local date of an earn on a sale, as the summary and the
 * Members report read it (min(local_date)), not the first in merge order: a late sale dated
 * earlier can arrive after later ones (DOMAIN.md 12), and lifecycle has one definition.
 */
function earliestSaleOn(ledger: readonly { kind: string; saleId: string | null; localDate: string }[]): string | null {
  let first: string | null = null;
  for (const e of ledger) {
    if (e.kind === 'earn' && e.saleId !== null && (first === null || e.localDate < first)) first = e.localDate;
  }
  return first;
}

export function* memberView(
  cipher: HqCipher,
  rules: RuleSetCache,
  memberNo: string,
  now: Date,
): Sql<MemberView | null> {
  const m = (yield* get(
    'SELECT name_enc, phone_enc, status, enrolled_store, consent_at, class, erased_at FROM members WHERE member_no = ?',
    memberNo,
  )) as Row | undefined;
  const st = (yield* get('SELECT state FROM member_state WHERE member_no = ?', memberNo)) as
    { state: string } | undefined;
  if (!m && !st) return null;
  const rs = yield* rules.latest();
  const today = localDate(now, rs.timeZone).date;
  const state: MemberState = st ? (JSON.parse(st.state) as MemberState) : emptyState(memberNo, lowestTier(rs).code);
  const ledger = (
    (yield* all('SELECT * FROM ledger WHERE member_no = ? ORDER BY sort_ms, till_id, seq', memberNo)) as LedgerRow[]
  ).map((r) => plainEntry(rowToEntry(r)));
  const firstSaleOn = earliestSaleOn(ledger);
  const enrolledOn = m ? localDate(m.consent_at, rs.timeZone).date : (ledger[0]?.localDate ?? null);
  const cards = (yield* all('SELECT code, kind, status FROM cards WHERE member_no = ? ORDER BY code', memberNo)) as {
    code: string;
    kind: string;
    status: string;
  }[];
  return {
    memberNo,
    known: m !== undefined,
    erasedAt: m?.erased_at ?? null,
    name: m && !m.erased_at ? maskName(cipher.decrypt(m.name_enc)) : null,
    phone: m && !m.erased_at ? maskPhone(cipher.decrypt(m.phone_enc)) : null,
    status: m?.status ?? 'active',
    enrolledStore: m?.erased_at ? null : (m?.enrolled_store ?? null),
    enrolledAt: m?.erased_at ? null : (m?.consent_at ?? null),
    tier: state.tier,
    class: m?.class ?? null,
    lifecycle: lifecycle(today, {
      firstSaleOn,
      lastSaleOn: state.lastSaleOn,
      enrolledOn,
    }),
    balance: visibleBalance(state, today),
    ledgerBalance: state.balance,
    debt: state.debt,
    rollingSpend: rollingSpend(state, today),
    expiringSoon: expiringBetween(state, today, addDays(today, EXPIRING_SOON_DAYS)),
    cards,
    coupons: Object.entries(state.coupons ?? {}).map(([code, c]) => ({
      code,
      rewardId: c.rewardId,
      value: c.value,
      validFrom: c.validFrom,
      validTo: c.validTo,
      issuedBy: c.issuedBy,
      usedAt: c.usedAt,
      usedBy: c.usedBy,
    })),
    stamps: state.stamps,
    tierSince: state.tierSince,
    ledger,
    // Adjustment reasons (tills' and head office's own), kept beside the chain (adjustment-notes.ts); older
    // entries hold theirs in data.note.
    adjustmentNotes: yield* adjustmentNotesOf(cipher, memberNo),
  };
}
