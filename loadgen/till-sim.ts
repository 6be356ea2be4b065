/**
 * A till's ledger without a till: signed hash-chained entries and the records that ride with
 * them, written the way the till service writes them (core engine for a sale's points, core
 * reducer for its own view of a member, core/ledger/hash.ts for the chain), cut into upload
 * batches of the shape core/sync/protocol.ts UploadBatch defines. Pure computation, no I/O.
 *
 * Shared by head office's tests (headoffice/test-helpers.ts re-exports it) and the load
 * generator (loadgen/), so both send head office what a real till sends:
 *
 * | till action | entries (in order)                                    | record           |
 * | ----------- | ----------------------------------------------------- | ---------------- |
 * | enrol       | tier (lowest tier, 0 points)                          | member (on tier) |
 * | sale        | redeem (if points tendered), earn, bonus per bonus    | sale (on earn)   |
 * | return      | restore (points tendered back), reverse, stamp_return | return (on last) |
 *
 * A return here takes the whole sale back at the till that rang it up, with the engine's figures
 * (core/engine/returns.ts, as main/service/returns.ts): the sale points are reversed, bonuses
 * kept, tendered points given back, the stamp taken back; the rule set's default lets the
 * balance go negative, so nothing is capped. A till takes a campaign bonus back too
 * (core/engine/bonus-return.ts); the simulated members hold no campaign offers, so their sales
 * give none to take back.
 */
import { keptComputation } from '../core/engine/bonus-return.js';
import { computeEarn } from '../core/engine/earn.js';
import { computeReturn } from '../core/engine/returns.js';
import { lowestTier } from '../core/engine/tiers.js';
import { bonusEntryData, type EarnResult } from '../core/engine/types.js';
import type { EntryData, EntryKind, LedgerEntry } from '../core/ledger/entry.js';
import { expiryDate } from '../core/ledger/expiry.js';
import { GENESIS_HASH, signEntry } from '../core/ledger/hash.js';
import { earnedOn, expiredDue, foldEntries, type MemberState } from '../core/ledger/state.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import type { RuleSet } from '../core/ruleset/schema.js';
import type { MemberUpsert, ReturnRecord, SaleRecord, UploadBatchBody } from '../core/sync/protocol.js';
import type { TillCredentials } from '../core/sync/sign.js';
import { localDate } from '../core/time.js';

export interface Attached {
  members: MemberUpsert[];
  sales: SaleRecord[];
  returns: ReturnRecord[];
}

export class TillSim implements TillCredentials {
  readonly entries: LedgerEntry[] = [];
  /** records travel in the batch holding the seq they are attached to */
  private readonly attached = new Map<number, Attached>();
  private readonly birthdays = new Map<string, string | null>();
  private saleCounter = 0;
  /** what a return needs of each sale: the engine's result and the earn entry (its lot) */
  private readonly sold = new Map<
    string,
    { rec: SaleRecord; result: EarnResult; earnSeq: number; returned: boolean }
  >();

  constructor(
    readonly tillId: string,
    readonly storeId: string,
    readonly secret: string,
    readonly rs: RuleSet = DEFAULT_RULE_SET,
  ) {}

  get headSeq(): number {
    return this.entries.length;
  }

  state(memberNo: string): MemberState {
    return foldEntries(
      memberNo,
      lowestTier(this.rs).code,
      this.entries.filter((e) => e.memberNo === memberNo),
    );
  }

  private attach(seq: number): Attached {
    let a = this.attached.get(seq);
    if (!a) {
      a = { members: [], sales: [], returns: [] };
      this.attached.set(seq, a);
    }
    return a;
  }

  append(
    memberNo: string,
    kind: EntryKind,
    points: number,
    when: string,
    more: {
      spend?: number;
      expiresOn?: string | null;
      saleId?: string | null;
      returnId?: string | null;
      data?: EntryData;
    } = {},
  ): LedgerEntry {
    const prev = this.entries[this.entries.length - 1];
    const day = localDate(when, this.rs.timeZone).date;
    const e = signEntry({
      tillId: this.tillId,
      seq: this.entries.length + 1,
      memberNo,
      kind,
      points,
      spend: more.spend ?? 0,
      occurredAt: when,
      localDate: day,
      expiresOn: more.expiresOn ?? null,
      saleId: more.saleId ?? null,
      returnId: more.returnId ?? null,
      data: more.data ?? {},
      prevHash: prev?.hash ?? GENESIS_HASH,
    });
    this.entries.push(e);
    return e;
  }

  enrol(memberNo: string, when: string, extra: Partial<MemberUpsert> = {}): MemberUpsert {
    const first = lowestTier(this.rs).code;
    const e = this.append(memberNo, 'tier', 0, when, { data: { fromTier: first, toTier: first, reason: 'threshold' } });
    const m: MemberUpsert = {
      memberNo,
      name: '张三丰',
      phone: `138${memberNo.slice(-8).padStart(8, '0')}`,
      birthday: null,
      gender: null,
      // As the till enrols: SMS with marketing consent, none without.
      preferredChannel: extra.consentMarketing === false ? 'none' : 'sms',
      interests: [],
      consentMarketing: true,
      consentText: 'v1',
      consentAt: when,
      enrolledStore: this.storeId,
      enrolledTill: this.tillId,
      enrolledBy: 'staff-1',
      cards: [{ code: memberNo, kind: 'barcode', status: 'active' }],
      ...extra,
    };
    this.birthdays.set(memberNo, m.birthday);
    this.attach(e.seq).members.push(m);
    return m;
  }

  /**
   * A sale as the till records it; `inflate` makes a dishonest till that grants extra points.
   * `tier`: the tier the sale is priced at (a linked till's own fold after the reviews it applies
   * in memory, core/engine/decide.ts reviewedTier); default the tier of its own fold.
   */
  sale(
    memberNo: string,
    unitPrice: number,
    when: string,
    opts: { redeem?: number; inflate?: number; tier?: string } = {},
  ): SaleRecord {
    const redeem = opts.redeem ?? 0;
    const saleId = `${this.tillId}-S${++this.saleCounter}`;
    const s = this.state(memberNo);
    const day = localDate(when, this.rs.timeZone).date;
    const lines = [{ sku: 'SKU-1', name: 'Tea', category: 'grocery', quantity: 1, unitPrice, discount: 0 }];
    const r = computeEarn(this.rs, {
      lines,
      basketDiscount: 0,
      pointsRedeemed: redeem,
      occurredAt: when,
      member: {
        memberNo,
        tier: opts.tier ?? s.tier,
        birthday: this.birthdays.get(memberNo) ?? null,
        winBackUntil: s.winBackUntil,
        earnedToday: earnedOn(s, day),
        stamps: s.stamps,
        birthdayGiftYear: s.birthdayGiftYear,
      },
    });
    const expiresOn = expiryDate(this.rs, day);
    if (redeem > 0) this.append(memberNo, 'redeem', redeem, when, { saleId });
    const points = r.points + (opts.inflate ?? 0);
    const earn = this.append(memberNo, 'earn', points, when, {
      saleId,
      spend: r.qualifyingSpend,
      expiresOn,
      data: { stamp: r.stampEarned, ruleVersion: this.rs.version },
    });
    let bonusPoints = 0;
    for (const b of r.bonuses) {
      this.append(memberNo, 'bonus', b.points, when, { saleId, expiresOn, data: bonusEntryData(b) });
      bonusPoints += b.points;
    }
    const rec: SaleRecord = {
      saleId,
      memberNo,
      ruleVersion: this.rs.version,
      request: {
        saleId,
        memberNo,
        lines,
        basketDiscount: 0,
        tenders: redeem > 0 ? [{ type: 'points', points: redeem }] : [],
      },
      pointsEarned: points,
      bonusPoints,
      pointsRedeemed: redeem,
      total: r.total,
      occurredAt: when,
      // As a till keeps it: what a return takes back is computed from it (head office checks returns with it).
      computation: keptComputation(r, points, redeem),
    };
    this.attach(earn.seq).sales.push(rec);
    this.sold.set(saleId, { rec, result: r, earnSeq: earn.seq, returned: false });
    return rec;
  }

  /**
   * The whole of this till's sale `saleId` returned (once): the engine's figures, entries as in
   * the table above. Null for a sale this till did not ring up or already took back.
   */
  returnSale(
    saleId: string,
    when: string,
    opts: {
      shortBy?: number;
      keepStamp?: boolean;
      basis?: ReturnRecord['basis'];
      refundDeduction?: number;
    } = {},
  ): ReturnRecord | null {
    const s = this.sold.get(saleId);
    if (!s || s.returned || !s.rec.memberNo) return null;
    s.returned = true;
    const memberNo = s.rec.memberNo;
    const lines = s.rec.request.lines as { sku: string; quantity: number }[];
    const r = computeReturn({
      lines: s.result.lines,
      earned: s.rec.pointsEarned,
      pointsRedeemed: s.rec.pointsRedeemed,
      previouslyReturned: {},
      returning: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    });
    // `shortBy`: fewer points than the rules take back (dishonest, or short under deductFromRefund).
    const reversed = r.pointsReversed - (opts.shortBy ?? 0);
    const returnId = `${saleId}-R`;
    const saleDay = localDate(s.rec.occurredAt, this.rs.timeZone).date;
    const common = { saleId, returnId };
    let last: LedgerEntry | null = null;
    if (r.pointsRestored > 0) {
      last = this.append(memberNo, 'restore', r.pointsRestored, when, {
        ...common,
        expiresOn: expiryDate(this.rs, saleDay),
      });
    }
    if (reversed > 0 || r.returnedQualifying > 0) {
      last = this.append(memberNo, 'reverse', reversed, when, {
        ...common,
        spend: -r.returnedQualifying,
        data: { lotId: `${this.tillId}:${s.earnSeq}`, spendOn: saleDay },
      });
    }
    // `keepStamp`: a dishonest till that leaves the member the sale's stamp.
    if (s.result.stampEarned > 0 && opts.keepStamp !== true) {
      last = this.append(memberNo, 'stamp_return', 0, when, { ...common, data: { stamp: 1 } });
    }
    const rec: ReturnRecord = {
      returnId,
      originalSaleId: saleId,
      request: { returnId, originalSaleId: saleId, lines },
      pointsReversed: reversed,
      pointsRestored: r.pointsRestored,
      occurredAt: when,
      previouslyReturned: {},
      // `basis`: the view it decided on, as a till since migration 014 sends it (absent: an older till).
      ...(opts.basis ? { basis: opts.basis } : {}),
      ...(opts.refundDeduction === undefined ? {} : { refundDeduction: opts.refundDeduction }),
    };
    // Nothing to take back (a sale that earned nothing): the record rides the next entry's batch.
    this.attach(last?.seq ?? this.headSeq + 1).returns.push(rec);
    return rec;
  }

  bonus(memberNo: string, points: number, when: string): LedgerEntry {
    return this.append(memberNo, 'bonus', points, when, {
      expiresOn: expiryDate(this.rs, localDate(when, this.rs.timeZone).date),
      data: { bonus: 'enrolment' },
    });
  }

  redeem(memberNo: string, points: number, when: string): LedgerEntry {
    return this.append(memberNo, 'redeem', points, when);
  }

  /** The till's expiry run: removes what its own view says expired before `before`, if anything. */
  expire(memberNo: string, before: string, when: string): LedgerEntry | null {
    const due = expiredDue(this.state(memberNo), before);
    return due > 0 ? this.append(memberNo, 'expire', due, when, { data: { before } }) : null;
  }

  /** Entries firstSeq..lastSeq and the records attached to them. */
  batch(firstSeq: number, lastSeq = this.headSeq): UploadBatchBody {
    const entries = this.entries.slice(firstSeq - 1, lastSeq);
    const recs = entries.map((e) => this.attached.get(e.seq)).filter((a): a is Attached => a !== undefined);
    return {
      tillId: this.tillId,
      storeId: this.storeId,
      firstSeq,
      lastSeq,
      prevHash: this.entries[firstSeq - 2]?.hash ?? GENESIS_HASH,
      entries,
      members: recs.flatMap((a) => a.members),
      sales: recs.flatMap((a) => a.sales),
      returns: recs.flatMap((a) => a.returns),
    };
  }

  /** The whole chain cut into batches of `size`. */
  batches(size: number): UploadBatchBody[] {
    const out: UploadBatchBody[] = [];
    for (let s = 1; s <= this.headSeq; s += size) out.push(this.batch(s, Math.min(this.headSeq, s + size - 1)));
    return out;
  }
}
