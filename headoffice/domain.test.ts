/** The pure decisions head office makes: merge order, fold tolerance, segments. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedPoints } from '../core/ledger/entry.js';
import { emptyState } from '../core/ledger/state.js';
import { applyHq, foldHq } from './domain/fold.js';
import { compareKeys, withSortKeys, type HqEntry } from './domain/order.js';
import { assignClasses, lifecycle } from '../core/segments.js';
import { TillSim, at } from './test-helpers.js';

describe('merge order', () => {
  it('never reorders a till’s own chain, even when occurredAt goes backwards', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -600, max: 600 }), { minLength: 1, maxLength: 30 }), (minutes) => {
        const till = new TillSim('A', 'S1', '');
        for (const m of minutes) till.bonus('M1', 1, at(m));
        const keyed = withSortKeys(till.entries, 0);
        for (let i = 1; i < keyed.length; i++) {
          expect(compareKeys(keyed[i - 1] as HqEntry, keyed[i] as HqEntry)).toBeLessThan(0);
        }
      }),
    );
  });
});

describe('fold', () => {
  it('applies an expire entry whose lots differ from the merged view as a FIFO debit', () => {
    const a = new TillSim('A', 'S1', '');
    const b = new TillSim('B', 'S2', '');
    a.append('M1', 'earn', 100, at(0), { expiresOn: '2020-01-31' });
    b.append('M1', 'earn', 30, at(1), { expiresOn: '2020-01-31' });
    a.expire('M1', '2020-02-01', at(2));
    const merged = [...withSortKeys(a.entries.slice(0, 1), 0), ...withSortKeys(b.entries, 0)];
    const s0 = foldHq(emptyState('M1', 'ordinary'), merged);
    const s1 = applyHq(s0, withSortKeys(a.entries, 0)[1] as HqEntry);
    expect(s1.balance).toBe(30);
    expect(s1.lots.reduce((x, l) => x + l.remaining, 0) - s1.debt).toBe(s1.balance);
  });

  it('keeps the balance equal to the sum of signed points', () => {
    const till = new TillSim('A', 'S1', '');
    till.bonus('M1', 500, at(0));
    till.redeem('M1', 800, at(1));
    till.bonus('M1', 100, at(2));
    const s = foldHq(emptyState('M1', 'ordinary'), withSortKeys(till.entries, 0));
    expect(s.balance).toBe(till.entries.reduce((x, e) => x + signedPoints(e), 0));
    expect(s.debt).toBe(200);
  });
});

describe('segments', () => {
  it('classes the top 20 % A, next 30 % B, next 30 % C, the rest and non-buyers D', () => {
    const members = Array.from({ length: 10 }, (_, i) => ({
      memberNo: `M${i}`,
      rollingSpend: (10 - i) * 100,
      active: true,
    }));
    members.push({ memberNo: 'Z', rollingSpend: 0, active: false });
    const c = assignClasses(members);
    expect(members.map((m) => c.get(m.memberNo)).join('')).toBe('AABBBCCCDDD');
  });

  it('moves a member from new to active, at risk and dormant', () => {
    const m = (first: string | null, last: string | null) => ({
      firstSaleOn: first,
      lastSaleOn: last,
      enrolledOn: '2024-01-01',
    });
    expect(lifecycle('2024-02-01', m(null, null))).toBe('new');
    expect(lifecycle('2024-02-01', m('2024-01-10', '2024-01-20'))).toBe('new');
    expect(lifecycle('2024-06-01', m('2024-01-10', '2024-05-20'))).toBe('active');
    expect(lifecycle('2024-06-01', m('2024-01-10', '2024-03-01'))).toBe('at_risk');
    expect(lifecycle('2024-09-01', m('2024-01-10', '2024-03-01'))).toBe('dormant');
    expect(lifecycle('2024-09-01', m(null, null))).toBe('dormant');
  });
});
