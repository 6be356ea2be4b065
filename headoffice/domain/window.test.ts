/**
 * The cached window (window.ts): which new entries may be folded from its base without
 * reading the member's ledger, and where trimming leaves the base.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState, type MemberState } from '../../core/ledger/state.js';
import { foldHq } from './fold.js';
import { compareKeys } from './order.js';
import type { HqEntry } from './order.js';
import {
  foldIntoWindow,
  foldsFromBase,
  MARK_EVERY,
  MARKS_KEPT,
  trimmed,
  windowOf,
  WINDOW_ENTRIES,
  type Window,
} from './window.js';

const key = (sortMs: number, tillId = 'T1', seq = sortMs) => ({ sortMs, tillId, seq });

function entry(sortMs: number, tillId = 'T1', seq = sortMs, kind = 'bonus', points = 1): HqEntry {
  return {
    ...key(sortMs, tillId, seq),
    memberNo: 'M1',
    kind,
    points,
    spend: 0,
    occurredAt: new Date(sortMs).toISOString(),
    localDate: '2026-01-01',
    expiresOn: null,
    saleId: null,
    returnId: null,
    data: {},
    prevHash: '',
    hash: '',
  } as unknown as HqEntry;
}

describe('the cached window', () => {
  it('takes any entry while its base is empty, and after it only entries sorting after its base', () => {
    const base = emptyState('M1', 'silver');
    expect(foldsFromBase({ base, entries: [entry(50)] }, key(1))).toBe(true);
    const w = { base, baseLast: key(40), entries: [entry(50)] };
    expect(foldsFromBase(w, key(45))).toBe(true);
    expect(foldsFromBase(w, key(40, 'T2'))).toBe(true);
    expect(foldsFromBase(w, key(40, 'T0'))).toBe(false);
    expect(foldsFromBase(w, key(39))).toBe(false);
    expect(foldsFromBase(undefined, key(99))).toBe(false);
  });

  it('trimmed, keeps WINDOW_ENTRIES entries or a few more (it cuts at a mark) and remembers the last one folded into the base', () => {
    const entries = Array.from({ length: 2 * WINDOW_ENTRIES + 1 }, (_, i) => entry(i + 1));
    const w = trimmed({ base: emptyState('M1', 'silver'), entries });
    const cut = 2 * WINDOW_ENTRIES + 1 - w.entries.length;
    expect(w.entries.length).toBeGreaterThanOrEqual(WINDOW_ENTRIES);
    expect(w.entries.length).toBeLessThan(WINDOW_ENTRIES + MARK_EVERY);
    expect(cut % MARK_EVERY).toBe(0);
    expect(w.baseLast).toEqual(key(cut));
    expect(w.base.balance).toBe(cut);
    expect(foldsFromBase(w, key(cut))).toBe(false);
    expect(foldsFromBase(w, key(cut, 'T1', cut + 1))).toBe(true);
  });

  it('folds entries landing inside the window from the mark before them, not from its start', () => {
    const base = emptyState('M1', 'silver');
    const held = windowOf(
      base,
      undefined,
      [10, 20, 30, 40, 50, 60, 70, 80, 90].map((t) => entry(t)),
    );
    const late = [entry(85, 'T2', 1), entry(95, 'T2', 2)];
    const folded = foldIntoWindow(held.window, held.state, late);
    // Marks at 4 and 8 entries; 85 lands after the 8th: only it, the 9th and 95 are folded.
    expect(folded.before).toHaveLength(3);
    expect(folded.state.balance).toBe(11);
    expect(folded.window.entries.map((e) => e.sortMs)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95]);
  });
});

/** Whether the window's marks (at most MARKS_KEPT) and state are what folding from its base gives. */
function consistent(w: Window, state: MemberState): boolean {
  const same = (a: MemberState, b: MemberState): boolean => JSON.stringify(a) === JSON.stringify(b);
  return (
    same(foldHq(w.base, w.entries), state) &&
    (w.marks ?? []).length <= MARKS_KEPT &&
    (w.marks ?? []).every((m) => m.at % MARK_EVERY === 0 && same(foldHq(w.base, w.entries.slice(0, m.at)), m.state))
  );
}

describe('the cached window, property', () => {
  it('any upload order of three tills gives the state of folding all entries in merge order, with marks that hold', () => {
    const till = fc.record({
      times: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
      kinds: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      batch: fc.integer({ min: 1, max: 6 }),
    });
    fc.assert(
      fc.property(
        fc.array(till, { minLength: 3, maxLength: 3 }),
        fc.array(fc.nat(2), { maxLength: 60 }),
        (tills, order) => {
          // Each till's chain: sortMs a running sum, so non-decreasing along it; some redemptions.
          const chains = tills.map((t, i) => {
            let ms = 0;
            return t.times.map((dt, seq) => {
              ms += dt;
              const redeem = t.kinds[seq] === true;
              return entry(ms, `T${i}`, seq + 1, redeem ? 'redeem' : 'bonus', redeem ? 2 : 3);
            });
          });
          const sent = chains.map(() => 0);
          const all: HqEntry[] = [];
          const empty = emptyState('M1', 'silver');
          let state = empty;
          let w: Window | undefined;
          const upload = (i: number): void => {
            const news = (chains[i] as HqEntry[]).slice(sent[i], (sent[i] as number) + (tills[i]?.batch ?? 1));
            if (news.length === 0) return;
            sent[i] = (sent[i] as number) + news.length;
            all.push(...news);
            all.sort(compareKeys);
            if (foldsFromBase(w, news[0] as HqEntry)) ({ state, window: w } = foldIntoWindow(w, state, news));
            else ({ state, window: w } = windowOf(empty, undefined, [...all]));
          };
          for (const i of order) upload(i);
          for (let i = 0; i < 3; i++) while ((sent[i] as number) < (chains[i] as HqEntry[]).length) upload(i);
          return (
            w !== undefined && consistent(w, state) && JSON.stringify(state) === JSON.stringify(foldHq(empty, all))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
