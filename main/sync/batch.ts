/**
 * Builds the next upload batch: the ledger entries after what head office acknowledged,
 * bounded by count and size, with the outbox records written alongside them.
 */
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { GENESIS_HASH } from '../../core/ledger/hash.js';
import {
  MAX_CARDS_PER_RECORD,
  MAX_PREFERENCE_CHANGES_PER_RECORD,
  type FeedbackRecord,
  type MemberUpsert,
  type ReturnRecord,
  type SaleRecord,
  type UploadBatchInput,
} from '../../core/sync/protocol.js';
import { feedbackById } from '../db/feedback.js';
import { foreignSales } from '../db/foreign-sales.js';
import type { CardChangeRecord } from '../db/members.js';
import { pendingPreferenceChanges, preferenceChangesCut } from '../db/preferences.js';
import type { TillContext } from '../service/context.js';
import type { SaleResult } from '../service/sales.js';
import type { ReturnResult } from '../service/returns.js';

export interface BatchLimits {
  maxEntries: number;
  /** rough bound on the uncompressed JSON size */
  maxBytes: number;
}

export const DEFAULT_LIMITS: BatchLimits = { maxEntries: 500, maxBytes: 1_000_000 };

export interface PreparedBatch {
  batch: UploadBatchInput;
  lastOutboxId: number;
  /** nothing to send */
  empty: boolean;
}

function prevHashOf(ctx: TillContext, seq: number): string {
  if (seq <= 0) return GENESIS_HASH;
  const e = ctx.ledger.entriesAfter(seq - 1, 1)[0];
  if (!e || e.seq !== seq) throw new Error(`ledger entry ${seq} missing`);
  return e.hash;
}

function memberRecord(
  ctx: TillContext,
  memberNo: string,
  outbox: { after: number; through: number },
): MemberUpsert | null {
  const m = ctx.members.get(memberNo);
  // Erased at head office: nothing personal goes back up.
  if (!m || m.erasedAt) return null;
  // Preference changes head office has not confirmed, of this batch's rows (prepareBatch keeps
  // them within the protocol's limit): it records each once (by change id).
  const preferenceChanges = pendingPreferenceChanges(ctx.db, ctx.cipher, memberNo, outbox.after, outbox.through);
  return {
    memberNo: m.memberNo,
    name: m.name,
    phone: m.phone,
    birthday: m.birthday,
    gender: m.gender,
    ageBand: m.ageBand,
    preferredChannel: m.preferredChannel,
    interests: m.interests,
    consentMarketing: m.consentMarketing,
    consentText: m.consentText,
    consentAt: m.consentAt,
    enrolledStore: m.enrolledStore,
    enrolledTill: m.enrolledTill,
    enrolledBy: m.enrolledBy,
    referrerMemberNo: m.referrerMemberNo,
    status: m.status,
    // When and by whom this till changed each card: head office applies a card change only with
    // the staff id (headoffice/domain/ownership.ts judgeCardChange).
    cards: recentCards(ctx.members.cardChangesOf(memberNo)).map((c) => ({
      code: c.code,
      kind: c.kind,
      status: c.status,
      ...(c.changedAt ? { changedAt: c.changedAt } : {}),
      staffId: c.changedBy,
    })),
    ...(preferenceChanges.length ? { preferenceChanges } : {}),
  };
}

/**
 * The cards a member record carries: the MAX_CARDS_PER_RECORD changed last. A member who lost
 * and replaced a card many times holds more (blocked ones stay), and a record past the protocol's
 * limit would be refused, stopping the till's uploads; head office already holds the older
 * changes, each uploaded with the batch of its own outbox row.
 */
function recentCards(cards: CardChangeRecord[]): CardChangeRecord[] {
  if (cards.length <= MAX_CARDS_PER_RECORD) return cards;
  return [...cards]
    .sort((a, b) => (b.changedAt ?? '').localeCompare(a.changedAt ?? '') || a.code.localeCompare(b.code))
    .slice(0, MAX_CARDS_PER_RECORD);
}

function saleRecord(ctx: TillContext, saleId: string): SaleRecord | null {
  const s = ctx.sales.saleRecord(saleId);
  if (!s) return null;
  const r = s.result as SaleResult;
  return {
    saleId: s.saleId,
    memberNo: s.memberNo,
    ruleVersion: s.ruleVersion,
    request: s.request as Record<string, unknown>,
    pointsEarned: r.pointsEarned,
    bonusPoints: r.bonusPoints,
    pointsRedeemed: r.pointsRedeemed,
    total: s.total,
    occurredAt: s.occurredAt,
    recordedAt: s.recordedAt,
    basis: s.basis,
    computation: s.computation as Record<string, unknown>,
  };
}

function returnRecord(ctx: TillContext, returnId: string): ReturnRecord | null {
  const r = ctx.sales.returnById(returnId);
  if (!r) return null;
  const res = r.result as ReturnResult;
  // A return of another till's sale names that till, so head office adds up the sale's returns.
  const originalTillId = foreignSales(ctx.db).originOf(returnId);
  return {
    returnId: r.returnId,
    originalSaleId: r.originalSaleId,
    ...(originalTillId === null ? {} : { originalTillId }),
    request: r.request as Record<string, unknown>,
    pointsReversed: res.pointsReversed,
    pointsRestored: res.pointsRestored,
    occurredAt: r.occurredAt,
  };
}

export function prepareBatch(
  ctx: TillContext,
  ack: { seq: number; outboxId: number },
  limits: BatchLimits = DEFAULT_LIMITS,
): PreparedBatch {
  const head = ctx.ledger.headOf().seq;
  const entries: LedgerEntry[] = [];
  let bytes = 0;
  for (const e of ctx.ledger.entriesAfter(ack.seq, limits.maxEntries)) {
    const size = JSON.stringify(e).length;
    if (entries.length > 0 && bytes + size > limits.maxBytes) break;
    entries.push(e);
    bytes += size;
  }
  const through = entries.length ? (entries[entries.length - 1] as LedgerEntry).seq : ack.seq;
  // Records written with these entries (or, with no entries pending, all that are left).
  const all = ctx.outbox.after(ack.outboxId, entries.length ? through : head, limits.maxEntries);
  // A member's preference changes past the protocol's limit wait for the next batch.
  const last = all.length ? (all[all.length - 1]?.id ?? ack.outboxId) : ack.outboxId;
  const cut = preferenceChangesCut(ctx.db, ack.outboxId, last, MAX_PREFERENCE_CHANGES_PER_RECORD);
  const rows = cut === null ? all : all.filter((r) => r.id < cut);
  const lastRowId = rows.length ? (rows[rows.length - 1]?.id ?? ack.outboxId) : ack.outboxId;
  const members: MemberUpsert[] = [];
  const sales: SaleRecord[] = [];
  const returns: ReturnRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  const seenMembers = new Set<string>();
  for (const row of rows) {
    switch (row.kind) {
      case 'member':
      case 'card': {
        if (seenMembers.has(row.ref)) break;
        seenMembers.add(row.ref);
        const m = memberRecord(ctx, row.ref, { after: ack.outboxId, through: lastRowId });
        if (m) members.push(m);
        break;
      }
      case 'sale': {
        const s = saleRecord(ctx, row.ref);
        if (s) sales.push(s);
        break;
      }
      case 'return': {
        const r = returnRecord(ctx, row.ref);
        if (r) returns.push(r);
        break;
      }
      case 'feedback': {
        const f = feedbackById(ctx.db, ctx.cipher, row.ref);
        if (f) feedback.push(f);
        break;
      }
      default: {
        const never: never = row.kind;
        throw new Error(`unknown outbox kind ${String(never)}`);
      }
    }
  }
  const lastOutboxId = lastRowId;
  return {
    batch: {
      tillId: ctx.identity.tillId,
      storeId: ctx.identity.storeId,
      firstSeq: ack.seq + 1,
      lastSeq: through,
      prevHash: prevHashOf(ctx, ack.seq),
      // EntryData is a closed TS type; the protocol keeps unknown data keys (they are hashed).
      entries: entries as UploadBatchInput['entries'],
      members,
      sales,
      returns,
      feedback,
    },
    lastOutboxId,
    empty: entries.length === 0 && rows.length === 0,
  };
}
