/**
 * A feed page that head office rewound (it was restored from a backup and did not hold the
 * till's last change, headoffice/store/feed-timeline.ts): the till keeps where the page leaves
 * it with its stamp, and a member's confirmed state from the lost changes gives way to the
 * restored head office's, whose cursor numbers start lower again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change } from '../../core/sync/protocol.js';
import { enrolDirect, startTill, type TestTill } from '../../test/helpers/till.js';
import { getMeta } from '../service/identity.js';
import { applyChanges } from './feed.js';

let t: TestTill;
let memberNo: string;

beforeEach(async () => {
  t = await startTill();
  memberNo = enrolDirect(t.ctx);
});
afterEach(async () => {
  await t.close();
});

function balance(cursor: number, points: number): Change {
  return {
    type: 'balance',
    cursor,
    memberNo,
    balance: points,
    available: points,
    tier: 'ordinary',
    confirmedAt: '2026-11-01T08:00:00.000Z',
    includes: {},
  };
}

const meta = (key: string): string | null => getMeta(t.ctx.db, key);

describe('a rewound feed page on a till', () => {
  it("lets the restored head office's changes replace the lost ones' state, numbered lower", () => {
    applyChanges(t.ctx, [balance(120, 900)], { cursor: 120, cursorAt: '2026-11-01T09:00:00.000Z' });
    expect(t.ctx.hqState.get(memberNo)).toMatchObject({ balance: 900, cursor: 120 });
    expect(meta('hq_change_cursor_at')).toBe('2026-11-01T09:00:00.000Z');

    // Not rewound: an older number is an older change, and is ignored.
    applyChanges(t.ctx, [balance(101, 700)], { cursor: 120, cursorAt: '2026-11-01T09:00:00.000Z' });
    expect(t.ctx.hqState.get(memberNo)).toMatchObject({ balance: 900 });

    applyChanges(t.ctx, [balance(101, 700)], {
      cursor: 101,
      cursorAt: '2026-11-01T11:00:00.000Z',
      rewound: { from: 120, to: 100 },
    });
    expect(t.ctx.hqState.get(memberNo)).toMatchObject({ balance: 700, cursor: 101 });
    expect(meta('hq_change_cursor')).toBe('101');
    expect(meta('hq_change_cursor_at')).toBe('2026-11-01T11:00:00.000Z');
  });

  it('keeps the rewind point of an empty page, without a stamp (it has read no change there yet)', () => {
    applyChanges(t.ctx, [balance(120, 900)], { cursor: 120, cursorAt: '2026-11-01T09:00:00.000Z' });
    applyChanges(t.ctx, [], { cursor: 100, rewound: { from: 120, to: 100 } });
    expect(meta('hq_change_cursor')).toBe('100');
    expect(meta('hq_change_cursor_at')).toBeNull();
    expect(t.ctx.hqState.get(memberNo)).toMatchObject({ balance: 900, cursor: 100 });
    applyChanges(t.ctx, [balance(101, 650)], { cursor: 101, cursorAt: '2026-11-01T11:00:00.000Z' });
    expect(t.ctx.hqState.get(memberNo)).toMatchObject({ balance: 650 });
  });
});
