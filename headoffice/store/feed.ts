/**
 * The change feed tills pull. Rows name what changed; the current member record, card and
 * rule set are read when a till asks, so personal data is never copied out of `members`.
 * A balance change carries its snapshot, because "confirmed at" is the point of it.
 *
 * Need to know (issue 11, finding 2): a member change carries the name and phone only to a
 * till that needs them: the member is of the till's store, or head office holds ledger
 * entries of that till for the member (it served them) or the till looked the member up by
 * mobile number (member_lookups; routes/sync.ts). Every other till gets the member
 * with the name and phone withheld (domain/ownership.ts WITHHELD_NAME and withheldPhone: a
 * placeholder unique per member, so the till's phone index takes it), and still learns the
 * member number, cards, state and status, so the member's card works at every store.
 */
import { lowestTier } from '../../core/engine/tiers.js';
import type { RuleSetCache } from './rulesets.js';
import type { Change, ChangesResponse } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import type { ChangeType } from './changes.js';
import { WITHHELD_NAME, withheldPhone, type Uploader } from '../domain/ownership.js';
import { readMemberFeed, servesMember } from './members.js';
import { all, get, type Sql } from '../../storage/sql.js';

interface ChangeRow {
  cursor: number;
  type: ChangeType;
  ref: string;
  payload: string;
}

interface CardRow {
  code: string;
  kind: 'barcode' | 'nfc' | 'qr';
  member_no: string;
  status: 'active' | 'blocked';
}

function* needsPersonal(till: Uploader, memberNo: string, enrolledStore: string): Sql<boolean> {
  return enrolledStore === till.storeId || (yield* servesMember(till.tillId, memberNo));
}

function* toChange(
  cipher: HqCipher,
  till: Uploader,
  ruleSets: RuleSetCache,
  firstTier: string,
  r: ChangeRow,
): Sql<Change | null> {
  switch (r.type) {
    case 'member': {
      const m = yield* readMemberFeed(cipher, r.ref);
      if (!m) return null;
      // Every change of an erased member, older ones included, now says only that.
      if ('erasedAt' in m) return { type: 'erasure', cursor: r.cursor, memberNo: r.ref, erasedAt: m.erasedAt };
      const st = (yield* get('SELECT balance, tier FROM member_state WHERE member_no = ?', r.ref)) as
        { balance: number; tier: string } | undefined;
      const member = (yield* needsPersonal(till, r.ref, m.feed.enrolledStore))
        ? m.feed
        : { ...m.feed, name: WITHHELD_NAME, phone: withheldPhone(r.ref) };
      return {
        type: 'member',
        cursor: r.cursor,
        member,
        state: { balance: st?.balance ?? 0, tier: st?.tier ?? firstTier, class: m.class },
      };
    }
    case 'card': {
      const c = (yield* get('SELECT code, kind, member_no, status FROM cards WHERE code = ?', r.ref)) as
        CardRow | undefined;
      if (!c) return null;
      return { type: 'card', cursor: r.cursor, code: c.code, kind: c.kind, memberNo: c.member_no, status: c.status };
    }
    case 'balance': {
      const p = JSON.parse(r.payload) as Omit<Extract<Change, { type: 'balance' }>, 'type' | 'cursor'>;
      return { type: 'balance', cursor: r.cursor, ...p };
    }
    case 'ruleset': {
      const rs = yield* ruleSets.version(Number(r.ref));
      return rs ? { type: 'ruleset', cursor: r.cursor, ruleSet: rs } : null;
    }
    default: {
      const never: never = r.type;
      throw new Error(`unknown change type ${String(never)}`);
    }
  }
}

export function* readChanges(
  cipher: HqCipher,
  till: Uploader,
  ruleSets: RuleSetCache,
  after: number,
  limit: number,
): Sql<ChangesResponse> {
  const rows = (yield* all(
    'SELECT cursor, type, ref, payload FROM changes WHERE cursor > ? ORDER BY cursor LIMIT ?',
    after,
    limit,
  )) as ChangeRow[];
  const firstTier = lowestTier(yield* ruleSets.latest()).code;
  const changes: Change[] = [];
  for (const r of rows) {
    const c = yield* toChange(cipher, till, ruleSets, firstTier, r);
    if (c) changes.push(c);
  }
  const last = rows[rows.length - 1];
  return { changes, cursor: last ? last.cursor : after };
}
