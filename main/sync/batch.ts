/**
 * Builds the next upload batch: the ledger entries after what head office acknowledged,
 * bounded by count and size, with the outbox records written alongside them and the reasons
 * of the batch's adjustment entries (by seq: no outbox rows).
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
import { adjustmentNotesBetween } from '../db/adjustment-notes.js';
import { feedbackById } from '../db/feedback.js';
import type { OutboxRow } from '../db/outbox.js';
import { foreignSales } from '../db/foreign-sales.js';
import type { CardChangeRecord } from '../db/members.js';
import { pendingPreferenceChanges, preferenceChangesCut } from '../db/preferences.js';
import type { TillContext } from '../service/context.js';
import type { SaleResult } from '../service/sales.js';
import type { ReturnResult } from '../service/returns.js';

export interface BatchLimits {
  maxEntries: number;
  /** rough bound on the uncompressed JSON size of the entries, and again of the records */
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
    // What the till computed with, so head office recomputes the same (absent on returns of older versions).
    ...(res.previouslyReturned === undefined ? {} : { previouslyReturned: res.previouslyReturned }),
    // The view its member's figures were decided on, so head office checks a shortfall against it.
    ...(r.basis === null ? {} : { basis: r.basis }),
    refundDeduction: res.refundDeduction,
  };
}

type OutboxRecord =
  | { kind: 'member'; value: MemberUpsert }
  | { kind: 'sale'; value: SaleRecord }
  | { kind: 'return'; value: ReturnRecord }
  | { kind: 'feedback'; value: FeedbackRecord };

/** The record an outbox row uploads, or null (gone, erased, or a member already in this batch). */
function recordOf(
  ctx: TillContext,
  row: OutboxRow,
  seenMembers: ReadonlySet<string>,
  outbox: { after: number; through: number },
): OutboxRecord | null {
  switch (row.kind) {
    case 'member':
    case 'card': {
      if (seenMembers.has(row.ref)) return null;
      const m = memberRecord(ctx, row.ref, outbox);
      return m ? { kind: 'member', value: m } : null;
    }
    case 'sale': {
      const s = saleRecord(ctx, row.ref);
      return s ? { kind: 'sale', value: s } : null;
    }
    case 'return': {
      const r = returnRecord(ctx, row.ref);
      return r ? { kind: 'return', value: r } : null;
    }
    case 'feedback': {
      const f = feedbackById(ctx.db, ctx.cipher, row.ref);
      return f ? { kind: 'feedback', value: f } : null;
    }
    default: {
      const never: never = row.kind;
      throw new Error(`unknown outbox kind ${String(never)}`);
    }
  }
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
  // Records have a byte budget of their own (a sale of a thousand lines is near 1 MB): past it the
  // batch ends at the last row taken and the rest follow in the next one. At least one row goes,
  // so a large record still travels (head office takes 20 MB).
  let recordBytes = 0;
  let taken = 0;
  let lastOutboxId = ack.outboxId;
  for (const row of rows) {
    const rec = recordOf(ctx, row, seenMembers, { after: ack.outboxId, through: lastRowId });
    if (rec) {
      const size = JSON.stringify(rec.value).length;
      if (taken > 0 && recordBytes + size > limits.maxBytes) break;
      recordBytes += size;
      switch (rec.kind) {
        case 'member':
          seenMembers.add(rec.value.memberNo);
          members.push(rec.value);
          break;
        case 'sale':
          sales.push(rec.value);
          break;
        case 'return':
          returns.push(rec.value);
          break;
        case 'feedback':
          feedback.push(rec.value);
          break;
        default: {
          const never: never = rec;
          throw new Error(`unknown record ${JSON.stringify(never)}`);
        }
      }
    }
    taken++;
    lastOutboxId = row.id;
  }
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
      // The reasons of this batch's adjustment entries, kept beside the chain (main/service/adjust.ts).
      adjustmentNotes: adjustmentNotesBetween(ctx.db, ctx.cipher, ack.seq + 1, through),
      // The outbox rows this batch covers: head office keeps `last` as this till's acknowledged
      // row when it holds `after`, and answers it on the feed (ackOutbox; service.ts resend).
      outbox: { after: ack.outboxId, last: lastOutboxId },
    },
    lastOutboxId,
    empty: entries.length === 0 && rows.length === 0,
  };
}
