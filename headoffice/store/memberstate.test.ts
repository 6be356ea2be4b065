/**
 * The cached window (memberstate.ts): which new entries may be folded from its base without
 * reading the member's ledger, and where trimming leaves the base.
 */
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../core/ledger/state.js';
import type { HqEntry } from '../domain/order.js';
import { foldsFromBase, trimmed, WINDOW_ENTRIES } from './memberstate.js';

const key = (sortMs: number, tillId = 'T1', seq = sortMs) => ({ sortMs, tillId, seq });

function entry(sortMs: number): HqEntry {
  return {
    ...key(sortMs),
    memberNo: 'M1',
    kind: 'bonus',
    points: 1,
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

  it('trimmed, keeps WINDOW_ENTRIES entries and remembers the last one folded into the base', () => {
    const entries = Array.from({ length: 2 * WINDOW_ENTRIES + 1 }, (_, i) => entry(i + 1));
    const w = trimmed({ base: emptyState('M1', 'silver'), entries });
    expect(w.entries).toHaveLength(WINDOW_ENTRIES);
    expect(w.baseLast).toEqual(key(WINDOW_ENTRIES + 1));
    expect(w.base.balance).toBe(WINDOW_ENTRIES + 1);
    expect(foldsFromBase(w, key(WINDOW_ENTRIES + 1))).toBe(false);
    expect(foldsFromBase(w, key(WINDOW_ENTRIES + 1, 'T1', WINDOW_ENTRIES + 2))).toBe(true);
  });
});
