import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INTEREST_CATEGORIES,
  MEMBER_CHANNELS,
  compareChanges,
  effectiveAt,
  foldPreferences,
  marketingChannel,
  normaliseInterests,
  prepareChange,
  type PreferenceChange,
  type Preferences,
} from './preferences.js';

const base: Preferences = { consentMarketing: true, preferredChannel: 'sms', interests: ['fresh'] };

function change(id: string, at: string, set: PreferenceChange['set'], tillId?: string): PreferenceChange {
  return {
    changeId: id,
    at,
    origin: tillId ? { kind: 'till', tillId, staffId: 's1' } : { kind: 'page' },
    set,
  };
}

describe('last change wins (per field)', () => {
  it('the later change wins whatever order they arrive in', () => {
    const a = change('a', '2026-03-01T10:00:00.000Z', { consentMarketing: false }, 'till-a');
    const b = change('b', '2026-03-01T10:05:00.000Z', { consentMarketing: true });
    expect(foldPreferences(base, [a, b]).consentMarketing).toBe(true);
    expect(foldPreferences(base, [b, a]).consentMarketing).toBe(true);
  });

  it('two offline changes of different fields both count', () => {
    // Till A withdraws consent at 10:00; the page changes interests at 10:05 without touching consent.
    const a = change('a', '2026-03-01T10:00:00.000Z', { consentMarketing: false }, 'till-a');
    const p = change('p', '2026-03-01T10:05:00.000Z', { interests: ['baby', 'pets'] });
    expect(foldPreferences(base, [p, a])).toEqual({
      consentMarketing: false,
      preferredChannel: 'sms',
      interests: ['baby', 'pets'],
    });
  });

  it('equal times: the origin then the change id decide, the same everywhere', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const page = change('z', at, { preferredChannel: 'wechat' });
    const tillA = change('a', at, { preferredChannel: 'none' }, 'till-a');
    // "page" < "till:till-a": the till's change is the later one.
    expect(foldPreferences(base, [tillA, page]).preferredChannel).toBe('none');
    expect(foldPreferences(base, [page, tillA]).preferredChannel).toBe('none');
    const a1 = change('1', at, { preferredChannel: 'email' }, 'till-a');
    expect(compareChanges(a1, tillA)).toBeLessThan(0);
  });

  it('a field no change sets keeps the base value', () => {
    expect(foldPreferences(base, [])).toEqual(base);
  });

  it('property: the fold does not depend on arrival order', () => {
    const arbChange = fc.record({
      changeId: fc.uuid(),
      at: fc.integer({ min: 0, max: 1_000 }).map((s) => new Date(Date.UTC(2026, 0, 1) + s * 60_000).toISOString()),
      origin: fc.oneof(
        fc.constant({ kind: 'page' as const }),
        fc.constantFrom('till-a', 'till-b').map((tillId) => ({ kind: 'till' as const, tillId, staffId: 's' })),
      ),
      set: fc.record(
        {
          consentMarketing: fc.boolean(),
          preferredChannel: fc.constantFrom(...MEMBER_CHANNELS),
          interests: fc.subarray([...INTEREST_CATEGORIES]),
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(fc.array(arbChange, { maxLength: 12 }), fc.integer(), (changes, seed) => {
        const reversed = [...changes].reverse();
        const rotated = changes.length
          ? [...changes.slice(seed % changes.length), ...changes.slice(0, seed % changes.length)]
          : [];
        const one = foldPreferences(base, changes);
        expect(foldPreferences(base, reversed)).toEqual(one);
        expect(foldPreferences(base, rotated)).toEqual(one);
      }),
    );
  });
});

describe('effective time', () => {
  it('a till clock ahead of head office is clamped to the arrival time', () => {
    expect(effectiveAt('2099-01-01T00:00:00Z', '2026-03-01T10:00:00.000Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(effectiveAt('2026-03-01T09:00:00+08:00', '2026-03-01T10:00:00.000Z')).toBe('2026-03-01T01:00:00.000Z');
  });
});

describe('preparing a change', () => {
  it('drops fields equal to the current value and refuses a change of nothing', () => {
    expect(prepareChange(base, { consentMarketing: true, preferredChannel: 'wechat' })).toEqual({
      ok: true,
      set: { preferredChannel: 'wechat' },
    });
    expect(prepareChange(base, { consentMarketing: true })).toEqual({
      ok: false,
      error: { code: 'nothing_to_change' },
    });
  });

  it('interests come from the fixed list, without repeats, in the list order', () => {
    expect(normaliseInterests(['pets', 'fresh', 'pets'])).toEqual({ ok: true, interests: ['fresh', 'pets'] });
    expect(prepareChange(base, { interests: ['wine'] })).toEqual({
      ok: false,
      error: { code: 'unknown_interest', interest: 'wine' },
    });
  });

  it('marketing goes only with consent and a channel', () => {
    expect(marketingChannel({ consentMarketing: true, preferredChannel: 'wechat' })).toBe('wechat');
    expect(marketingChannel({ consentMarketing: true, preferredChannel: 'none' })).toBeNull();
    expect(marketingChannel({ consentMarketing: false, preferredChannel: 'sms' })).toBeNull();
  });
});
