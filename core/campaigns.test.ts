import { describe, expect, it } from 'vitest';
import {
  grantOrder,
  grantsLeft,
  isHeldOut,
  matchesTarget,
  offerWindow,
  transitionRefusal,
  tQuantile975,
  welchUplift,
  extraPoints,
  type Campaign,
  type TargetFacts,
} from './campaigns.js';
import { computeEarn } from './engine/earn.js';
import { line, member, name, ruleSet, sale } from './engine/test-fixtures.js';
import { GENESIS_HASH, signEntry } from './ledger/hash.js';
import type { LedgerEntry } from './ledger/entry.js';
import { foldEntries, liveOffers } from './ledger/state.js';
import { memberContextFor } from './engine/decide.js';

const facts = (f: Partial<TargetFacts> = {}): TargetFacts => ({
  class: 'A',
  lifecycle: 'dormant',
  tier: 'silver',
  birthdayMonth: 5,
  homeStore: 's1',
  toNextTier: 30_000,
  rfmCell: null,
  ...f,
});

describe('campaign targeting', () => {
  it('matches every given criterion and ignores the ones not given', () => {
    const t = { classes: ['A' as const], lifecycles: ['dormant' as const] };
    expect(matchesTarget(t, facts())).toBe(true);
    expect(matchesTarget(t, facts({ class: 'B' }))).toBe(false);
    expect(matchesTarget(t, facts({ lifecycle: 'active' }))).toBe(false);
    expect(matchesTarget({}, facts())).toBe(true);
    expect(matchesTarget({ tiers: ['gold'] }, facts())).toBe(false);
    expect(matchesTarget({ birthdayMonths: [5] }, facts())).toBe(true);
    expect(matchesTarget({ birthdayMonths: [5] }, facts({ birthdayMonth: null }))).toBe(false);
    expect(matchesTarget({ homeStores: ['s2'] }, facts())).toBe(false);
    expect(matchesTarget({ withinOfNextTier: 30_000 }, facts())).toBe(true);
    expect(matchesTarget({ withinOfNextTier: 29_999 }, facts())).toBe(false);
    // on the top tier there is no next tier to be near
    expect(matchesTarget({ withinOfNextTier: 1e9 }, facts({ toNextTier: null }))).toBe(false);
  });
});

describe('holdout', () => {
  const members = Array.from({ length: 10_000 }, (_, i) => `2${String(i).padStart(12, '0')}`);

  it('is reproducible: the same campaign and member always land in the same group', () => {
    const a = members.map((m) => isHeldOut('c-1', m, 10));
    const b = members.map((m) => isHeldOut('c-1', m, 10));
    expect(a).toEqual(b);
    // another campaign splits the same members differently
    expect(members.map((m) => isHeldOut('c-2', m, 10))).not.toEqual(a);
  });

  it('holds out about the share asked for', () => {
    const share = members.filter((m) => isHeldOut('c-1', m, 10)).length / members.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(members.filter((m) => isHeldOut('c-1', m, 0)).length).toBe(0);
  });

  it('orders grants by a hash of its own, a permutation of the members', () => {
    const order = grantOrder('c-1', members.slice(0, 50));
    expect([...order].sort()).toEqual(members.slice(0, 50));
    expect(order).not.toEqual(members.slice(0, 50));
    expect(grantOrder('c-1', members.slice(0, 50))).toEqual(order);
  });
});

describe('budget and window', () => {
  it('allows grants while the estimated cost fits the budget', () => {
    expect(grantsLeft({ budgetPoints: 1000, costPerGrant: 300 }, 0)).toBe(3);
    expect(grantsLeft({ budgetPoints: 1000, costPerGrant: 300 }, 3)).toBe(0);
    expect(grantsLeft({ budgetPoints: 1000, costPerGrant: 300 }, 5)).toBe(0);
  });

  it('runs an offer for its days, the grant day first', () => {
    const w = offerWindow({ days: 7 }, '2026-12-05');
    expect(w).toEqual({ from: '2026-12-05', until: '2026-12-11' });
  });

  it('prices a sale under a x2 offer at half its points', () => {
    expect(extraPoints(200, 2000)).toBe(100);
    expect(extraPoints(300, 1500)).toBe(100);
  });
});

describe('states', () => {
  const c = { status: 'draft', createdBy: 'alice', endOn: null } as Campaign;
  const today = '2026-12-05';
  it('needs a second operator to approve', () => {
    expect(transitionRefusal(c, 'approve', 'alice', today)).toMatch(/second operator/);
    expect(transitionRefusal(c, 'approve', 'bob', today)).toBeNull();
    expect(transitionRefusal(c, 'start', 'bob', today)).toMatch(/approved/);
    expect(transitionRefusal({ ...c, status: 'approved' }, 'start', 'alice', today)).toBeNull();
    expect(transitionRefusal({ ...c, status: 'running' }, 'end', 'alice', today)).toBeNull();
    expect(transitionRefusal({ ...c, status: 'ended' }, 'end', 'alice', today)).toMatch(/ended/);
  });

  it('does not start after its last day to grant on (endOn), whether ended by the schedule yet or not', () => {
    const approved = { ...c, status: 'approved' } as Campaign;
    expect(transitionRefusal({ ...approved, endOn: today }, 'start', 'bob', today)).toBeNull();
    expect(transitionRefusal({ ...approved, endOn: '2026-12-04' }, 'start', 'bob', today)).toMatch(/last day/);
  });
});

describe("Welch's interval", () => {
  it('matches the t table closely', () => {
    expect(tQuantile975(4)).toBeCloseTo(2.7764, 2);
    expect(tQuantile975(10)).toBeCloseTo(2.2281, 3);
    expect(tQuantile975(30)).toBeCloseTo(2.0423, 3);
    expect(tQuantile975(1e9)).toBeCloseTo(1.96, 3);
  });

  it('agrees with a hand-computed example', () => {
    // target 10, 12, 14: mean 12, s² 4; holdout 7, 9, 11: mean 9, s² 4
    // d = 3; se = sqrt(4/3 + 4/3) = 1.63299; df = (8/3)² / ((4/3)²/2 · 2) = 4; t = 2.7764
    // CI = 3 ∓ 2.7764 × 1.63299 = [-1.534, 7.534]
    const u = welchUplift([10, 12, 14], [7, 9, 11]);
    expect(u.difference).toBe(3);
    expect(u.standardError).toBeCloseTo(1.63299, 4);
    expect(u.df).toBeCloseTo(4, 6);
    expect(u.low).toBeCloseTo(-1.534, 1);
    expect(u.high).toBeCloseTo(7.534, 1);
  });

  it('has no interval with fewer than two members in a group', () => {
    expect(welchUplift([5], [1, 2]).low).toBeNull();
  });
});

describe('an offer through the ledger', () => {
  function offerEntry(seq: number, prevHash: string, localDate: string, until: string): LedgerEntry {
    return signEntry({
      tillId: 'hq',
      seq,
      memberNo: 'M0001',
      kind: 'offer',
      points: 0,
      spend: 0,
      occurredAt: `${localDate}T02:00:00Z`,
      localDate,
      expiresOn: null,
      saleId: null,
      returnId: null,
      data: {
        campaignId: 'c-1',
        multiplierMilli: 2000,
        from: localDate,
        until,
        offerName: { zh: '双倍积分', en: 'double points' },
        operator: 'alice',
      },
      prevHash,
    });
  }

  it('folds into live offers, replaces its own campaign and leaves win-back alone', () => {
    const e1 = offerEntry(1, GENESIS_HASH, '2024-05-01', '2024-05-07');
    const s = foldEntries('M0001', 'ordinary', [e1]);
    expect(s.winBackUntil).toBeNull();
    expect(liveOffers(s, '2024-05-07').map((o) => o.campaignId)).toEqual(['c-1']);
    expect(liveOffers(s, '2024-05-08')).toEqual([]);
    const e2 = offerEntry(2, e1.hash, '2024-05-03', '2024-05-20');
    expect(foldEntries('M0001', 'ordinary', [e1, e2]).offers).toHaveLength(1);
  });

  it('doubles a sale inside the window by the largest-multiplier rule, and not after', () => {
    const rs = ruleSet();
    const s = foldEntries('M0001', 'ordinary', [offerEntry(1, GENESIS_HASH, '2024-05-02', '2024-05-08')]);
    const tenYuan = [line('a', 'x', 1000)];
    const on = memberContextFor(rs, s, { birthday: null, saleDay: '2024-05-08', recordedOn: '2024-05-08' });
    const r = computeEarn(rs, sale({ lines: tenYuan, member: on }));
    expect(r.points).toBe(20);
    expect(r.lines[0]?.promotionId).toBe('campaign:c-1');
    expect(r.breakdownText.zh).toContain('双倍积分');
    const after = memberContextFor(rs, s, { birthday: null, saleDay: '2024-05-09', recordedOn: '2024-05-09' });
    expect(computeEarn(rs, sale({ lines: tenYuan, member: after, occurredAt: '2024-05-09T02:00:00Z' })).points).toBe(
      10,
    );
    // against a x3 holiday the holiday wins: never stacked
    const holiday = ruleSet({ promotions: [{ id: 'h', name: name('h'), multiplier: '3', from: '2024-05-01' }] });
    expect(computeEarn(holiday, sale({ lines: tenYuan, member: on })).points).toBe(30);
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member() })).points).toBe(10);
  });
});
