/**
 * The change feed's member change on a till (feed.ts): a placeholder row (the feed withholds
 * name and phone from a till that has not served the member) becomes the member's data once a
 * change carries it; a placeholder never overwrites real data; an erased member stays erased;
 * a phone another member here holds is never taken.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WITHHELD_NAME, withheldPhone, type Change, type MemberFeed } from '../../core/sync/protocol.js';
import { enrolDirect, startTill, type TestTill } from '../../test/helpers/till.js';
import { applyChanges } from './feed.js';

let t: TestTill;
let cursor = 0;

beforeEach(async () => {
  t = await startTill();
  cursor = 0;
});
afterEach(async () => {
  await t.close();
});

const NO = '2999990000017';

function feedMember(over: Partial<MemberFeed> = {}): MemberFeed {
  return {
    memberNo: NO,
    name: '钱七',
    phone: '13911112222',
    birthday: '03-08',
    gender: null,
    ageBand: null,
    preferredChannel: 'sms',
    interests: [],
    consentMarketing: true,
    consentText: 'v1',
    consentAt: '2025-01-01T00:00:00.000Z',
    enrolledStore: 'store-elsewhere',
    enrolledTill: 'till-elsewhere',
    enrolledBy: null,
    referrerMemberNo: null,
    status: 'active',
    ...over,
  };
}

const withheld = (): MemberFeed => feedMember({ name: WITHHELD_NAME, phone: withheldPhone(NO) });

function apply(...members: MemberFeed[]): void {
  const changes: Change[] = members.map((member) => ({ type: 'member', cursor: ++cursor, member, state: null }));
  applyChanges(t.ctx, changes, cursor);
}

describe("the feed's member change on a till", () => {
  it('refreshes a placeholder row with the real name and phone, and the phone then finds the member', () => {
    apply(withheld());
    expect(t.ctx.members.get(NO)).toMatchObject({ name: WITHHELD_NAME, phone: withheldPhone(NO) });
    expect(t.ctx.members.byPhone('13911112222')).toBeNull();
    apply(feedMember());
    expect(t.ctx.members.get(NO)).toMatchObject({ name: '钱七', phone: '13911112222', birthday: '03-08' });
    expect(t.ctx.members.byPhone('13911112222')?.memberNo).toBe(NO);
    // Newer data replaces older; the old number is free again.
    apply(feedMember({ name: '钱七七', phone: '13911113333' }));
    expect(t.ctx.members.get(NO)).toMatchObject({ name: '钱七七', phone: '13911113333' });
    expect(t.ctx.members.byPhone('13911112222')).toBeNull();
  });

  it('never lets a placeholder overwrite real data', () => {
    apply(feedMember());
    apply(withheld());
    expect(t.ctx.members.get(NO)).toMatchObject({ name: '钱七', phone: '13911112222' });
  });

  it('never brings an erased member back', () => {
    apply(withheld());
    applyChanges(
      t.ctx,
      [{ type: 'erasure', cursor: ++cursor, memberNo: NO, erasedAt: '2025-02-01T00:00:00.000Z' }],
      cursor,
    );
    apply(feedMember());
    const m = t.ctx.members.get(NO);
    expect(m?.erasedAt).not.toBeNull();
    expect(m?.name).toBe('');
    expect(t.ctx.members.byPhone('13911112222')).toBeNull();
    expect(t.ctx.members.refresh({ ...feedMember(), ageBand: null, referrerMemberNo: null }, 'now')).toBe('erased');
  });

  it('keeps the placeholder when another member here holds the phone', () => {
    const local = enrolDirect(t.ctx, { phone: '13911112222' });
    apply(withheld());
    apply(feedMember());
    expect(t.ctx.members.get(NO)).toMatchObject({ name: WITHHELD_NAME });
    expect(t.ctx.members.byPhone('13911112222')?.memberNo).toBe(local);
  });
});
