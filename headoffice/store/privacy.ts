/**
 * A member's right to their data (DOMAIN.md 10): export everything head office holds about
 * them, and erasure, which removes the personal fields everywhere (here, and on every till
 * through the change feed) and keeps the ledger under the member number so the books balance.
 *
 * Decisions:
 * - Erasure closes the membership: the record becomes a tombstone (status blocked, personal
 *   fields overwritten, phone no longer findable), every card is blocked, and later uploads of
 *   the member's record from tills that had not heard are ignored. Points already in the
 *   ledger stay there (a liability until they expire), as do sales, which name the member only
 *   by number.
 * - Both are manual actions: each is attributed to the operator id given and the reason, and
 *   kept in `operator_actions` (listed in the export itself).
 */
import type { HqCipher } from '../crypto.js';
import type { RuleSetCache } from './rulesets.js';
import { recordAction, type OperatorAction } from './actions.js';
import { eraseAdjustmentNotesOf, isSealedReasonAction, type AdjustmentNote } from './adjustment-notes.js';
import { eraseFeedbackOf, feedbackOf } from './feedback.js';
import { eraseSurveyAnswersOf, surveyAnswersOf } from './surveys.js';
import { appendChange } from './changes.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import { readMemberFeed } from './members.js';
import type { RecordedSaleRow } from './sales.js';
import { memberView } from './memberview.js';
import { erasePreferenceInterests, memberPreferences, preferenceHistory } from './preferences.js';
import type { EraseOutcome, MemberExport, OperatorRequest } from './types.js';

/**
 * The operator actions whose subject is a member number (actions.ts): every one is the member's
 * data and in their export. The others name a case, a till, a feedback item or a segment cell,
 * whose ids could coincide with a member number, so the export asks by kind as well as subject.
 */
const MEMBER_ACTIONS = ['export', 'erase', 'adjust', 'win_back'] as const satisfies readonly OperatorAction[];

function* held(memberNo: string): Sql<{ erasedAt: string | null } | null> {
  const m = (yield* get('SELECT erased_at FROM members WHERE member_no = ?', memberNo)) as
    { erased_at: string | null } | undefined;
  if (m) return { erasedAt: m.erased_at };
  const inLedger = yield* get('SELECT 1 FROM ledger WHERE member_no = ? LIMIT 1', memberNo);
  return inLedger ? { erasedAt: null } : null;
}

export function* eraseMember(cipher: HqCipher, memberNo: string, who: OperatorRequest, now: Date): Sql<EraseOutcome> {
  const h = yield* held(memberNo);
  if (!h) return { kind: 'unknown' };
  if (h.erasedAt) return { kind: 'already_erased', erasedAt: h.erasedAt };
  const at = now.toISOString();
  // The member page's traces (docs/member-page.md): codes and sessions go, the outbox keeps no text.
  const old = (yield* get('SELECT phone_hash FROM members WHERE member_no = ?', memberNo)) as
    { phone_hash: Buffer } | undefined;
  yield* run('DELETE FROM member_otps WHERE member_no = ?', memberNo);
  if (old) yield* run('DELETE FROM member_otps WHERE phone_hash = ?', old.phone_hash);
  yield* run('DELETE FROM member_sessions WHERE member_no = ?', memberNo);
  yield* run(
    "UPDATE outbox SET status = 'failed', result = 'erased', sent_at = ? WHERE member_no = ? AND status = 'queued'",
    at,
    memberNo,
  );
  yield* run("UPDATE outbox SET body = '' WHERE member_no = ?", memberNo);
  const blank = cipher.encrypt('');
  const tombstone = {
    memberNo,
    // Unique per member and matching no phone number: the number can be enrolled again.
    phoneHash: cipher.mac('erased', memberNo),
    blank,
    at,
  };
  yield* run(
    `INSERT INTO members (member_no, phone_hash, name_enc, phone_enc, preferred_channel, interests, consent_marketing,
       consent_text, consent_at, enrolled_store, enrolled_till, status, fields_mac, source_till, created_at,
       updated_at, erased_at)
     VALUES (@memberNo, @phoneHash, @blank, @blank, 'none', '[]', 0, 'erased', @at, '', '', 'blocked', @phoneHash,
       'headoffice', @at, @at, @at)
     ON CONFLICT (member_no) DO UPDATE SET phone_hash = excluded.phone_hash, name_enc = excluded.name_enc,
       phone_enc = excluded.phone_enc, birthday_enc = NULL, gender = NULL, age_band = NULL, gender_enc = NULL,
       age_band_enc = NULL, preferred_channel = 'none', interests = '[]', interests_enc = NULL, consent_marketing = 0,
       status = 'blocked',
       fields_mac = excluded.fields_mac, updated_at = excluded.updated_at, erased_at = excluded.erased_at`,
    tombstone,
  );
  const cards = (yield* all("SELECT code FROM cards WHERE member_no = ? AND status = 'active'", memberNo)) as {
    code: string;
  }[];
  for (const c of cards) {
    yield* run(
      "UPDATE cards SET status = 'blocked', changed_at = ?, source_till = 'headoffice' WHERE code = ?",
      at,
      c.code,
    );
    yield* appendChange('card', c.code, { code: c.code }, now);
  }
  yield* appendChange('member', memberNo, { memberNo }, now);
  yield* eraseFeedbackOf(cipher, memberNo);
  // Adjustment reasons (tills' and head office's own) may name the member; the entries stay.
  yield* eraseAdjustmentNotesOf(memberNo);
  yield* eraseSurveyAnswersOf(memberNo);
  yield* erasePreferenceInterests(memberNo);
  yield* recordAction('erase', memberNo, who, at);
  return { kind: 'erased', erasedAt: at, cardsBlocked: cards.length };
}

type SaleRow = Omit<RecordedSaleRow, 'member_no'>;

type ActionRow = MemberExport['operatorActions'][number] & { detail: string | null };

/**
 * The actions with the reason each operator gave: an adjustment's or a win-back's action keeps
 * none (adjust.ts), its reason is its entry's sealed note (`detail.entry`), shown while held.
 */
function withAdjustmentReasons(
  rows: readonly ActionRow[],
  notes: readonly AdjustmentNote[],
): MemberExport['operatorActions'] {
  const noteOf = new Map(notes.map((n) => [`${n.tillId}:${n.seq}`, n.note]));
  return rows.map(({ detail, ...a }) => {
    const entry =
      isSealedReasonAction(a.action) && detail ? (JSON.parse(detail) as { entry?: string }).entry : undefined;
    const note = entry === undefined ? undefined : noteOf.get(entry);
    return note === undefined ? a : { ...a, reason: note };
  });
}

interface ReturnRow {
  till_id: string;
  return_id: string;
  original_sale_id: string;
  request: string;
  points_reversed: number;
  points_restored: number;
  occurred_at: string;
}

interface OutboxRow {
  message_id: string;
  purpose: MemberExport['messages'][number]['purpose'];
  marketing: number;
  body: string;
  status: MemberExport['messages'][number]['status'];
  queued_at: string;
  sent_at: string | null;
}

/** The member's outbox rows as kept (sign-in codes were masked when queued). */
function* outboxOf(memberNo: string): Sql<MemberExport['messages']> {
  const rows = (yield* all(
    `SELECT message_id, purpose, marketing, body, status, queued_at, sent_at FROM outbox
     WHERE member_no = ? ORDER BY queued_at, message_id`,
    memberNo,
  )) as OutboxRow[];
  return rows.map((r) => ({
    messageId: r.message_id,
    purpose: r.purpose,
    marketing: Number(r.marketing) === 1,
    text: r.body,
    status: r.status,
    queuedAt: r.queued_at,
    sentAt: r.sent_at,
  }));
}

export function* exportMember(
  cipher: HqCipher,
  rules: RuleSetCache,
  memberNo: string,
  who: OperatorRequest,
  now: Date,
): Sql<MemberExport | null> {
  const view = yield* memberView(cipher, rules, memberNo, now);
  if (!view) return null;
  const at = now.toISOString();
  const found = yield* readMemberFeed(cipher, memberNo);
  const record = found && 'feed' in found ? found : null;
  // Every member sale writes an earn entry, so the member's ledger names all their sales.
  const saleKeys = new Map<string, { tillId: string; saleId: string }>();
  for (const e of view.ledger) {
    if (e.saleId !== null) saleKeys.set(`${e.tillId}\n${e.saleId}`, { tillId: e.tillId, saleId: e.saleId });
  }
  const sales: MemberExport['sales'] = [];
  const returns: MemberExport['returns'] = [];
  for (const k of saleKeys.values()) {
    const s = (yield* get(
      `SELECT till_id, sale_id, store_id, rule_version, request, points_earned, bonus_points, points_redeemed, total,
         occurred_at FROM sales WHERE till_id = ? AND sale_id = ?`,
      k.tillId,
      k.saleId,
    )) as SaleRow | undefined;
    if (s) {
      sales.push({
        tillId: s.till_id,
        saleId: s.sale_id,
        storeId: s.store_id,
        occurredAt: s.occurred_at,
        total: s.total,
        pointsEarned: s.points_earned,
        bonusPoints: s.bonus_points,
        pointsRedeemed: s.points_redeemed,
        ruleVersion: s.rule_version,
        request: JSON.parse(s.request) as Record<string, unknown>,
      });
    }
    const rs = (yield* all(
      `SELECT till_id, return_id, original_sale_id, request, points_reversed, points_restored, occurred_at
       FROM returns WHERE till_id = ? AND original_sale_id = ? ORDER BY return_id`,
      k.tillId,
      k.saleId,
    )) as ReturnRow[];
    for (const r of rs) {
      returns.push({
        tillId: r.till_id,
        returnId: r.return_id,
        originalSaleId: r.original_sale_id,
        occurredAt: r.occurred_at,
        pointsReversed: r.points_reversed,
        pointsRestored: r.points_restored,
        request: JSON.parse(r.request) as Record<string, unknown>,
      });
    }
  }
  sales.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
  yield* recordAction('export', memberNo, who, at);
  const actions = (yield* all(
    `SELECT at, action, operator_id AS operatorId, reason, detail FROM operator_actions
     WHERE subject = ? AND action IN (${MEMBER_ACTIONS.map((a) => `'${a}'`).join(', ')}) ORDER BY id`,
    memberNo,
  )) as ActionRow[];
  const { name: _masked, phone: _maskedPhone, ...summary } = view;
  return {
    exportedAt: at,
    personal: record
      ? (() => {
          const { memberNo: _no, status: _status, updatedAt: _u, ...personal } = record.feed;
          return personal;
        })()
      : null,
    ...summary,
    sales,
    returns,
    feedback: yield* feedbackOf(cipher, memberNo),
    surveyAnswers: yield* surveyAnswersOf(cipher, memberNo),
    messages: yield* outboxOf(memberNo),
    preferences: {
      current: (yield* memberPreferences(cipher, memberNo))?.current ?? null,
      history: yield* preferenceHistory(cipher, memberNo),
    },
    sessions: (
      (yield* all(
        'SELECT created_at, expires_at FROM member_sessions WHERE member_no = ? ORDER BY created_at',
        memberNo,
      )) as { created_at: string; expires_at: string }[]
    ).map((r) => ({ createdAt: r.created_at, expiresAt: r.expires_at })),
    operatorActions: withAdjustmentReasons(actions, view.adjustmentNotes),
  };
}
