/** routes/feed-json.ts: a feed page's bytes from kept pieces are exactly the page as JSON, encoded. */
import { describe, expect, it } from 'vitest';
import { emptyState } from '../core/ledger/state.js';
import type { SealedChangesResponse } from '../core/sync/protocol.js';
import { pageBytes, tillPersonalKey } from './routes/feed-json.js';
import { personalKey } from '../core/sync/personal.js';

const balance = {
  type: 'balance' as const,
  cursor: 7,
  memberNo: 'M1',
  balance: 120,
  available: 100,
  tier: 'silver',
  confirmedAt: '2026-12-06T01:02:03.000Z',
  includes: { A: 3, B: 9 },
  state: emptyState('M1', 'silver'),
};

describe('pageBytes', () => {
  it('equals JSON.stringify of the page, with and without stock, read once or many times', () => {
    const pages: SealedChangesResponse[] = [
      { changes: [], cursor: 0 },
      { changes: [balance], cursor: 7 },
      {
        changes: [
          { type: 'card', cursor: 5, code: 'C"1\\会员', kind: 'barcode', memberNo: 'M1', status: 'active' },
          balance,
          { type: 'erasure', cursor: 8, memberNo: 'M2', erasedAt: '2026-12-06T01:02:03.000Z' },
        ],
        cursor: 8,
        stock: { asOf: '2026-12-06T01:02:03.000Z', rewards: [] },
      } as unknown as SealedChangesResponse,
    ];
    for (const p of pages) {
      const json = Buffer.from(JSON.stringify(p), 'utf8');
      expect(pageBytes(p).equals(json)).toBe(true);
      expect(pageBytes(p).equals(json)).toBe(true);
      expect(JSON.parse(pageBytes(p).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(p)));
    }
  });

  it('derives a till key once per secret, the same key as personalKey', () => {
    expect(tillPersonalKey('s-1').equals(personalKey('s-1'))).toBe(true);
    expect(tillPersonalKey('s-1')).toBe(tillPersonalKey('s-1'));
    expect(tillPersonalKey('s-2').equals(personalKey('s-1'))).toBe(false);
  });
});
