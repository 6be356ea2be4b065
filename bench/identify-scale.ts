/**
 * identify_scale: identifying a member by card code must not slow down as the store's member
 * base grows. Times main/service/members.ts identify() against a till with 1,000,000 members
 * and against one with 1,000, built the same way.
 *
 * Enrolling a million members through enrol() would take far too long (encryption, ledger,
 * hash chain per member), so the members are bulk-loaded in transactions of 50,000 through
 * the till's own MemberStore.insert / linkCard (so personal fields really are AES-GCM
 * encrypted and phones HMAC-indexed) plus member_state and lots rows of the shape LedgerStore writes.
 * Every member also has head office's confirmed merged state (hq_member_state, as the change
 * feed writes it), so identify() decides on the merged view (DOMAIN.md 12): a 1M-member head
 * office state on the till. No ledger rows are written. Each member holds a
 * barcode card (its member number, as enrol() links it), half also a printed 69... card.
 * Lots expire in the future and tiers were reached today, so identifying writes nothing.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ean13CheckDigit } from '../core/cards/checkdigit.js';
import { emptyState, type MemberState } from '../core/ledger/state.js';
import { addDays, localDate } from '../core/time.js';
import { identify } from '../main/service/members.js';
import type { Till } from '../main/service/till.js';
import { benchTill, median, ms, pick, randInt, ratio, seeded, timeSync, type Benchmark } from './lib.js';

const LARGE = 1_000_000;
const SMALL = 1_000;
const BATCH = 50_000;
const CALLS = 5_000;
const WARMUP = 500;
const ROUNDS = 2;
const GOAL = 1.5;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const INTERESTS = ['wine', 'baby', 'organic', 'pets', 'baking', 'tea', 'sports'];

function ean13(first12: string): string {
  return `${first12}${ean13CheckDigit(first12)}`;
}

/** Member i's number: in-store EAN-13 (prefix 2), spread over two till codes as a chain's would be. */
function memberNoOf(i: number): string {
  return ean13(`2${String(90_000 + Math.floor(i / 500_000))}${String((i % 500_000) + 1).padStart(6, '0')}`);
}

/** Loads `count` members into a fresh till; returns every card code that identifies someone. */
async function loadMembers(till: Till, count: number, seed: number): Promise<string[]> {
  const { ctx } = till;
  const rand = seeded(seed);
  const now = ctx.now().toISOString();
  const today = localDate(now, 'Asia/Shanghai').date;
  const putState = ctx.db.prepare('INSERT INTO member_state (member_no, balance, tier, state) VALUES (?, ?, ?, ?)');
  const putLot = ctx.db.prepare(
    'INSERT INTO lots (member_no, lot_id, earned_on, expires_on, remaining) VALUES (?, ?, ?, ?, ?)',
  );
  // Head office's confirmed merged state of every member (DOMAIN.md 12): identify decides on it.
  const putHq = ctx.db.prepare(
    `INSERT INTO hq_member_state (member_no, balance, available, tier, class, confirmed_at, included_seq, state, cursor)
     VALUES (?, ?, ?, ?, NULL, ?, 0, ?, ?)`,
  );
  const codes: string[] = [];
  const load = ctx.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const memberNo = memberNoOf(i);
      const bday = rand() < 0.7 ? `${String(randInt(rand, 1, 12)).padStart(2, '0')}-${randInt(rand, 10, 28)}` : null;
      ctx.members.insert({
        memberNo,
        name: `${pick(rand, SURNAMES)}${pick(rand, GIVEN)}`,
        phone: `13${String(i).padStart(9, '0')}`,
        birthday: bday,
        gender: rand() < 0.5 ? 'female' : 'male',
        ageBand: pick(rand, ['18-24', '25-34', '35-44', '45-54', '55+']),
        preferredChannel: pick(rand, ['sms', 'email', 'none'] as const),
        interests: rand() < 0.5 ? [pick(rand, INTERESTS)] : [],
        consentMarketing: rand() < 0.6,
        consentText: 'consent-v1',
        consentAt: now,
        referrerMemberNo: null,
        enrolledStore: ctx.identity.storeId,
        enrolledTill: ctx.identity.tillId,
        enrolledBy: null,
      });
      ctx.members.linkCard(memberNo, 'barcode', memberNo, now);
      codes.push(memberNo);
      if (i % 2 === 0) {
        const card = ean13(`69${String(i).padStart(10, '0')}`);
        ctx.members.linkCard(card, 'barcode', memberNo, now);
        codes.push(card);
      }
      const s = memberState(rand, memberNo, today);
      putState.run(memberNo, s.balance, s.tier, JSON.stringify({ ...s, lots: [] }));
      for (const l of s.lots) putLot.run(memberNo, l.id, l.earnedOn, l.expiresOn, l.remaining);
      putHq.run(memberNo, s.balance, s.balance, s.tier, now, JSON.stringify(s), i + 1);
    }
  });
  for (let from = 0; from < count; from += BATCH) {
    load(from, Math.min(count, from + BATCH));
    // Let Ctrl-C (run.ts removes the temp folder) through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  ctx.db.pragma('wal_checkpoint(TRUNCATE)');
  return codes;
}

/** A plausible cached state: a few open lots, some recent spend, a tier reached today. */
function memberState(rand: () => number, memberNo: string, today: string): MemberState {
  const tier = pick(rand, ['ordinary', 'ordinary', 'ordinary', 'silver', 'gold']);
  const s = emptyState(memberNo, tier);
  const lots = randInt(rand, 0, 3);
  for (let j = 0; j < lots; j++) {
    const earnedOn = addDays(today, -randInt(rand, 1, 300));
    const remaining = randInt(rand, 10, 800);
    s.lots.push({
      id: `till-x:${j + 1}`,
      earnedOn,
      expiresOn: addDays(today, randInt(rand, 30, 330)),
      remaining,
    });
    s.spend.push({ on: earnedOn, amount: remaining * 100 });
    s.balance += remaining;
  }
  s.lots.sort((a, b) => ((a.expiresOn ?? '') < (b.expiresOn ?? '') ? -1 : 1));
  s.lastSaleOn = s.spend[0]?.on ?? null;
  if (tier !== 'ordinary') s.tierSince = today;
  return s;
}

/** identify() times over random existing codes, after a warm-up. */
function timeIdentify(till: Till, codes: readonly string[], seed: number, calls: number): number[] {
  const rand = seeded(seed);
  const one = (): number => {
    const code = pick(rand, codes);
    return timeSync(() => {
      identify(till.ctx, { code });
    });
  };
  for (let i = 0; i < WARMUP; i++) one();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(one());
  return times;
}

export const identifyScale: Benchmark = {
  name: 'identify_scale',
  async run({ dir }) {
    const small = await benchTill(join(dir, 'small'));
    const large = await benchTill(join(dir, 'large'));
    try {
      const smallCodes = await loadMembers(small, SMALL, 1);
      const t0 = Date.now();
      const largeCodes = await loadMembers(large, LARGE, 2);
      const loadSeconds = (Date.now() - t0) / 1000;
      const largeMb = statSync(join(dir, 'large', 'till.db')).size / 2 ** 20;
      // Alternate the two sizes in rounds so neither gets a systematically warmer machine.
      const s: number[] = [];
      const l: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        s.push(...timeIdentify(small, smallCodes, 10 + round, CALLS / ROUNDS));
        l.push(...timeIdentify(large, largeCodes, 20 + round, CALLS / ROUNDS));
      }
      const sm = median(s);
      const lg = median(l);
      const r = lg / sm;
      return (
        `identify_scale: ${LARGE.toLocaleString('en')} members ${ms(lg)}/identify vs ${SMALL.toLocaleString('en')} members ` +
        `${ms(sm)}/identify (merged view on head office's state; median of ${CALLS} random card codes; ${largeCodes.length.toLocaleString('en')} cards, ` +
        `${largeMb.toFixed(0)} MB database loaded in ${loadSeconds.toFixed(0)} s) ratio ${ratio(lg, sm)} (goal < ${GOAL}x${r < GOAL ? '' : ', MISSED'})`
      );
    } finally {
      await small.close();
      await large.close();
    }
  },
};
