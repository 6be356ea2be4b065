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
import { memberFeedOf, memberRows, servedMembersOfTills, type MemberFeedRecord, type MemberRow } from './members.js';
import { all, withJsonList, type Sql } from '../../storage/sql.js';
import { RecentCache } from './cache.js';
import { pageOf, pageReads } from '../domain/feed-pages.js';
import { placeOnTimeline, type Placed, type TimelineAsk } from './feed-timeline.js';

/**
 * DECISION: balance changes parsed once per process, not once per till that reads them. Every
 * till reads every balance change (one member across the chain) and a change carries the
 * member's whole state, so with hundreds of tills polling, parsing the same payloads again was
 * most of a poll's work. A change row never changes once written; the last 10,000 balance
 * changes (the ones caught-up tills ask for) are kept, the same objects each time, so the
 * answer's JSON bytes of each can be kept too (routes/feed-json.ts).
 */
export const FEED_CACHE_CHANGES = 10_000;

export type BalanceChange = Extract<Change, { type: 'balance' }>;

/**
 * Balance changes by cursor, each with its row's stamp: a cursor number names one change only
 * on one timeline (a database restored under a running process hands the numbers out again,
 * store/feed-timeline.ts), so a kept change is used only for the row it was made from.
 */
export type FeedBalances = RecentCache<number, { at: string; change: BalanceChange }>;

export function feedCache(): FeedBalances {
  return new RecentCache(FEED_CACHE_CHANGES);
}

interface ChangeRow {
  cursor: number;
  type: ChangeType;
  ref: string;
  payload: string;
  created_at: string;
}

interface CardRow {
  code: string;
  kind: 'barcode' | 'nfc' | 'qr';
  member_no: string;
  status: 'active' | 'blocked';
}

/** What a page's changes name, read once for every page of a batch instead of once per change. */
interface PageRecords {
  members: Map<string, MemberRow>;
  states: Map<string, { balance: number; tier: string }>;
  /** members of another store the till serves (their name and phone go to it) */
  served: Set<string>;
  cards: Map<string, CardRow>;
  /**
   * Member records as the feed sends them, opened once per batch rather than once per till:
   * every till of a batch reading a member's change gets one of two records, with or without
   * the name and phone. Shared by the batch's pages and gone with them.
   */
  opened: Map<string, MemberFeedRecord>;
}

/** One till's question of the feed. */
export interface FeedAsk extends TimelineAsk {
  till: Uploader;
  limit: number;
}

function* pageRecords(asks: readonly FeedAsk[], pages: readonly ChangeRow[][]): Sql<PageRecords[]> {
  const rows = pages.flat();
  const refs = (type: ChangeType): string[] => [...new Set(rows.filter((r) => r.type === type).map((r) => r.ref))];
  const memberNos = refs('member');
  const cardCodes = refs('card');
  const members = yield* memberRows(memberNos);
  const present = [...members.keys()];
  const states = new Map(
    present.length === 0
      ? []
      : (
          (yield* all(
            withJsonList(
              (isIn) => `SELECT member_no, balance, tier FROM member_state WHERE ${isIn('member_no')}`,
              'text',
            ),
            JSON.stringify(present),
          )) as { member_no: string; balance: number; tier: string }[]
        ).map((r) => [r.member_no, { balance: Number(r.balance), tier: r.tier }]),
  );
  const elsewhere = asks.map(({ till }, i) => [
    till.tillId,
    [
      ...new Set(
        (pages[i] as ChangeRow[])
          .filter((r) => r.type === 'member' && members.has(r.ref))
          .map((r) => r.ref)
          .filter((no) => (members.get(no) as MemberRow).enrolled_store !== till.storeId),
      ),
    ],
  ]) as [string, string[]][];
  const served = yield* servedMembersOfTills(elsewhere);
  const cards = new Map(
    cardCodes.length === 0
      ? []
      : (
          (yield* all(
            withJsonList((isIn) => `SELECT code, kind, member_no, status FROM cards WHERE ${isIn('code')}`, 'text'),
            JSON.stringify(cardCodes),
          )) as CardRow[]
        ).map((c) => [c.code, c]),
  );
  const opened = new Map<string, MemberFeedRecord>();
  return asks.map(({ till }) => ({ members, states, cards, opened, served: served.get(till.tillId) ?? new Set() }));
}

function* toChange(
  cipher: HqCipher,
  till: Uploader,
  ruleSets: RuleSetCache,
  firstTier: string,
  page: PageRecords,
  balances: FeedBalances,
  r: ChangeRow,
): Sql<Change | null> {
  switch (r.type) {
    case 'member': {
      const row = page.members.get(r.ref);
      if (!row) return null;
      const personal = row.enrolled_store === till.storeId || page.served.has(r.ref);
      const key = `${personal ? 'personal' : 'withheld'}:${r.ref}`;
      let m = page.opened.get(key);
      if (!m) {
        m = memberFeedOf(cipher, row, personal ? undefined : { name: WITHHELD_NAME, phone: withheldPhone(r.ref) });
        page.opened.set(key, m);
      }
      // Every change of an erased member, older ones included, now says only that.
      if ('erasedAt' in m) return { type: 'erasure', cursor: r.cursor, memberNo: r.ref, erasedAt: m.erasedAt };
      const st = page.states.get(r.ref);
      return {
        type: 'member',
        cursor: r.cursor,
        member: m.feed,
        state: { balance: st?.balance ?? 0, tier: st?.tier ?? firstTier, class: m.class },
      };
    }
    case 'card': {
      const c = page.cards.get(r.ref);
      if (!c) return null;
      return { type: 'card', cursor: r.cursor, code: c.code, kind: c.kind, memberNo: c.member_no, status: c.status };
    }
    case 'balance': {
      const cursor = Number(r.cursor);
      const hit = balances.get(cursor);
      if (hit?.at === r.created_at) return hit.change;
      const p = JSON.parse(r.payload) as Omit<BalanceChange, 'type' | 'cursor'>;
      const c: BalanceChange = { type: 'balance', cursor: r.cursor, ...p };
      balances.set(cursor, { at: r.created_at, change: c });
      return c;
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

/**
 * DECISION: a member change written for one till (announceServed: the till's first sale to
 * another store's member, which unlocks the name and phone for it alone) goes to that till
 * only. To every other till it was the same record again, sealed to it: at the load
 * generator's knee most member changes were these, and sealing member records was the
 * largest share of head office's work (headoffice/README.md). The row's payload names the till
 * (`forTill`); rows written before it name none and go to all.
 */
const targets = new WeakMap<ChangeRow, string | null>();

function visibleTo(tillId: string, r: ChangeRow): boolean {
  if (r.type !== 'member') return true;
  let target = targets.get(r);
  if (target === undefined) {
    target = (JSON.parse(r.payload) as { forTill?: string }).forTill ?? null;
    targets.set(r, target);
  }
  return target === null || target === tillId;
}

function* changeRows(asks: readonly FeedAsk[]): Sql<ChangeRow[][]> {
  const pages: ChangeRow[][] = asks.map(() => []);
  for (const read of pageReads(asks)) {
    const rows = (yield* all(
      'SELECT cursor, type, ref, payload, created_at FROM changes WHERE cursor > ? ORDER BY cursor LIMIT ?',
      read.low,
      read.need,
    )) as ChangeRow[];
    for (const i of read.asks) pages[i] = pageOf(rows, asks[i] as FeedAsk);
  }
  return pages;
}

/**
 * The feed pages of several tills asking at once, each exactly what it would read alone: the
 * change rows, the member, state and card records they name and the tills' served members are
 * read once for all of them (store/batcher.ts).
 */
export function* readChangePages(
  cipher: HqCipher,
  ruleSets: RuleSetCache,
  balances: FeedBalances,
  asks: readonly FeedAsk[],
): Sql<ChangesResponse[]> {
  if (asks.length === 0) return [];
  const placed = yield* placeOnTimeline(asks);
  const { read, shown } = yield* visibleRows(asks.map((a, i) => ({ ...a, after: (placed[i] as Placed).after })));
  const firstTier = lowestTier(yield* ruleSets.latest()).code;
  const records = yield* pageRecords(asks, shown);
  const out: ChangesResponse[] = [];
  for (const [i, ask] of asks.entries()) {
    const changes: Change[] = [];
    for (const r of shown[i] as ChangeRow[]) {
      const c = yield* toChange(cipher, ask.till, ruleSets, firstTier, records[i] as PageRecords, balances, r);
      if (c) changes.push(c);
    }
    const rows = read[i] as ChangeRow[];
    out.push({ changes, ...pageEnd(ask, placed[i] as Placed, rows[rows.length - 1]), more: rows.length === ask.limit });
  }
  return out;
}

/**
 * Each ask's page: the rows read (its cursor moves past the last) and those its till is shown.
 * A page whose rows were all for other tills is read on from its last row while more follow: a
 * till stops reading at an empty page without moving its cursor (main/sync/service.ts), so an
 * empty page with more behind it would hold the till there for good.
 */
function* visibleRows(asks: readonly FeedAsk[]): Sql<{ read: ChangeRow[][]; shown: ChangeRow[][] }> {
  const shownOf = (i: number, rows: ChangeRow[]): ChangeRow[] =>
    rows.filter((r) => visibleTo((asks[i] as FeedAsk).till.tillId, r));
  const read = yield* changeRows(asks);
  const shown = read.map((rows, i) => shownOf(i, rows));
  const onward = (): number[] =>
    asks.flatMap((a, i) =>
      (shown[i] as ChangeRow[]).length === 0 && (read[i] as ChangeRow[]).length === a.limit ? [i] : [],
    );
  for (let more = onward(); more.length > 0; more = onward()) {
    const next = yield* changeRows(
      more.map((i) => {
        const rows = read[i] as ChangeRow[];
        return { ...(asks[i] as FeedAsk), after: Number((rows[rows.length - 1] as ChangeRow).cursor) };
      }),
    );
    more.forEach((i, k) => {
      const rows = next[k] as ChangeRow[];
      read[i] = rows;
      shown[i] = shownOf(i, rows);
    });
  }
  return { read, shown };
}

/**
 * Where a page leaves its till: after its last change; with none, where it was asked from (the
 * rewind point when rewound, whose stamp the till is then sent only once it reads a change).
 */
function pageEnd(
  ask: FeedAsk,
  placed: Placed,
  last: ChangeRow | undefined,
): Pick<ChangesResponse, 'cursor' | 'cursorAt' | 'rewound'> {
  const rewound = placed.rewoundFrom === undefined ? {} : { rewound: { from: placed.rewoundFrom, to: placed.after } };
  if (last) return { cursor: Number(last.cursor), cursorAt: last.created_at, ...rewound };
  if (placed.rewoundFrom !== undefined) return { cursor: placed.after, ...rewound };
  return { cursor: ask.after, ...(ask.afterAt === undefined ? {} : { cursorAt: ask.afterAt }) };
}
