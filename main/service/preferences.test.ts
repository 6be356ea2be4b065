/**
 * Preferences at the till (service/preferences.ts, feed.ts): a change is recorded with the staff
 * id and queued for upload; the feed's record sets head office's preferences, also on a record
 * with the name withheld; this till's changes head office has not acknowledged stay on top until
 * it has; refusals are typed; erasure deletes the till's changes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WITHHELD_NAME, withheldPhone, type Change, type MemberFeed } from '../../core/sync/protocol.js';
import { enrolDirect, startTill, type TestTill } from '../../test/helpers/till.js';
import { pendingPreferenceChanges } from '../db/preferences.js';
import { applyChanges } from '../sync/feed.js';
import { TillError } from './errors.js';
import { setMeta } from './identity.js';
import { changePreferences, readPreferences } from './preferences.js';

let t: TestTill;
let cursor = 0;

beforeEach(async () => {
  t = await startTill();
  cursor = 0;
});
afterEach(async () => {
  await t.close();
});

const NO = '2999990000025';

function feedMember(over: Partial<MemberFeed> = {}): MemberFeed {
  return {
    memberNo: NO,
    name: WITHHELD_NAME,
    phone: withheldPhone(NO),
    birthday: null,
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

function apply(
  ...changes: (
    Omit<Extract<Change, { type: 'member' }>, 'cursor'> | { type: 'erasure'; memberNo: string; erasedAt: string }
  )[]
): void {
  applyChanges(
    t.ctx,
    changes.map((c) => ({ ...c, cursor: ++cursor }) as Change),
    cursor,
  );
}

const prefsOf = (no: string) => t.ctx.members.preferencesOf(no);

describe('preferences at the till', () => {
  it("enrolment without a channel: 'sms' with marketing consent, 'none' without ('none' = no marketing)", () => {
    const yes = enrolDirect(t.ctx, { consent: { marketing: true, text: 'v1' }, preferredChannel: undefined });
    const no = enrolDirect(t.ctx, { consent: { marketing: false, text: 'v1' }, preferredChannel: undefined });
    expect(prefsOf(yes)?.preferredChannel).toBe('sms');
    expect(prefsOf(no)?.preferredChannel).toBe('none');
  });

  it('records a change with the staff id, queues the member, and refuses nothing-changes and unknown interests', () => {
    const memberNo = enrolDirect(t.ctx, { consent: { marketing: true, text: 'v1' }, preferredChannel: 'sms' });
    expect(prefsOf(memberNo)).toEqual({ consentMarketing: true, preferredChannel: 'sms', interests: [] });
    const out = changePreferences(t.ctx, memberNo, { preferredChannel: 'wechat', interests: ['pets', 'fresh'] }, 's1');
    expect(out.current).toEqual({ consentMarketing: true, preferredChannel: 'wechat', interests: ['fresh', 'pets'] });
    expect(out.changes).toMatchObject([{ staffId: 's1', preferredChannel: 'wechat', interests: ['fresh', 'pets'] }]);
    expect(out.changes[0]?.consentMarketing).toBeUndefined();
    const queued = t.ctx.db.prepare("SELECT ref FROM outbox WHERE kind = 'member' ORDER BY id DESC LIMIT 1").get() as {
      ref: string;
    };
    expect(queued.ref).toBe(memberNo);
    // Interests are encrypted at rest.
    const raw = t.ctx.db.prepare('SELECT interests_enc FROM preference_changes').get() as { interests_enc: Buffer };
    expect(raw.interests_enc.toString('latin1')).not.toContain('pets');

    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof TillError ? e.code : String(e);
      }
      return null;
    };
    expect(refusal(() => changePreferences(t.ctx, memberNo, { preferredChannel: 'wechat' }, 's1'))).toBe(
      'nothing_to_change',
    );
    expect(refusal(() => changePreferences(t.ctx, memberNo, { interests: ['wine'] }, 's1'))).toBe('unknown_interest');
    expect(refusal(() => readPreferences(t.ctx, 'nobody'))).toBe('unknown_member');
  });

  it("takes head office's preferences from a withheld record, with this till's unacknowledged changes on top", () => {
    apply({ type: 'member', member: feedMember(), state: null });
    expect(prefsOf(NO)).toEqual({ consentMarketing: true, preferredChannel: 'sms', interests: [] });
    // Head office says: consent withdrawn elsewhere.
    apply({ type: 'member', member: feedMember({ consentMarketing: false }), state: null });
    expect(prefsOf(NO)?.consentMarketing).toBe(false);

    // This till changes the interests; before head office has them, a feed record without them
    // does not undo them; the record's consent still counts.
    changePreferences(t.ctx, NO, { interests: ['baby'] }, 's2');
    expect(pendingPreferenceChanges(t.ctx.db, t.ctx.cipher, NO, 0)).toHaveLength(1);
    apply({ type: 'member', member: feedMember({ consentMarketing: true, interests: [] }), state: null });
    expect(prefsOf(NO)).toEqual({ consentMarketing: true, preferredChannel: 'sms', interests: ['baby'] });

    // Head office acknowledged the upload: its record is the till's view from now on.
    const last = t.ctx.db.prepare('SELECT max(id) AS id FROM outbox').get() as { id: number };
    t.ctx.db.transaction(() => setMeta(t.ctx.db, 'hq_ack_outbox', String(last.id))).immediate();
    apply({ type: 'member', member: feedMember({ interests: ['pets'] }), state: null });
    expect(prefsOf(NO)?.interests).toEqual(['pets']);

    apply({ type: 'erasure', memberNo: NO, erasedAt: '2026-03-01T00:00:00.000Z' });
    expect(t.ctx.db.prepare('SELECT count(*) AS n FROM preference_changes').get()).toEqual({ n: 0 });
    expect(prefsOf(NO)).toBeNull();
  });
});
