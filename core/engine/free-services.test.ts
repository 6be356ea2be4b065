import { describe, expect, it } from 'vitest';
import { checkServiceClaim, serviceKey, servicesAvailable, serviceStandings } from './free-services.js';
import { ruleSet } from './test-fixtures.js';

const rs = ruleSet({
  tiers: [
    { code: 'ordinary', name: { zh: '普通会员', en: 'Ordinary' }, threshold: 0 },
    { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 1_000_000, freeServices: ['gift-wrap'] },
    {
      code: 'diamond',
      name: { zh: '钻石卡', en: 'Diamond' },
      threshold: 5_000_000,
      freeServices: ['gift-wrap', 'delivery'],
      freeServiceAllowance: 2,
    },
  ],
});

const today = '2026-06-15';

describe('free services: a yearly allowance per service', () => {
  it('defaults to one claim per service per year', () => {
    expect(ruleSet().tiers.find((t) => t.code === 'diamond')?.freeServiceAllowance).toBe(1);
    expect(checkServiceClaim(rs, { tier: 'gold', state: {}, today, service: 'gift-wrap' })).toEqual({
      ok: true,
      used: 0,
      allowance: 1,
    });
    const used = { servicesUsed: { [serviceKey('2026', 'gift-wrap')]: 1 } };
    expect(checkServiceClaim(rs, { tier: 'gold', state: used, today, service: 'gift-wrap' })).toMatchObject({
      ok: false,
      code: 'service_allowance_used',
      used: 1,
      allowance: 1,
    });
  });

  it('counts claims of the current year only: last year’s do not use this year’s allowance', () => {
    const lastYear = { servicesUsed: { '2025:gift-wrap': 1 } };
    expect(checkServiceClaim(rs, { tier: 'gold', state: lastYear, today, service: 'gift-wrap' }).ok).toBe(true);
    expect(checkServiceClaim(rs, { tier: 'gold', state: lastYear, today: '2025-12-31', service: 'gift-wrap' }).ok).toBe(
      false,
    );
  });

  it('refuses a service the tier does not offer, and any service for a retired tier', () => {
    expect(checkServiceClaim(rs, { tier: 'ordinary', state: {}, today, service: 'gift-wrap' })).toMatchObject({
      ok: false,
      code: 'service_not_offered',
    });
    expect(checkServiceClaim(rs, { tier: 'gold', state: {}, today, service: 'delivery' }).ok).toBe(false);
    expect(checkServiceClaim(rs, { tier: 'platinum', state: {}, today, service: 'gift-wrap' })).toMatchObject({
      code: 'service_not_offered',
    });
  });

  it('lists what is left this year, per service', () => {
    const state = { servicesUsed: { '2026:gift-wrap': 1, '2026:delivery': 2, '2025:delivery': 2 } };
    expect(serviceStandings(rs, { tier: 'diamond', state, today })).toEqual([
      { service: 'gift-wrap', allowance: 2, used: 1, remaining: 1 },
      { service: 'delivery', allowance: 2, used: 2, remaining: 0 },
    ]);
    expect(servicesAvailable(rs, { tier: 'diamond', state, today })).toEqual([{ service: 'gift-wrap', remaining: 1 }]);
    expect(servicesAvailable(rs, { tier: 'ordinary', state, today })).toEqual([]);
  });

  it('never reports a negative remainder (two stores claimed offline)', () => {
    const state = { servicesUsed: { '2026:gift-wrap': 3 } };
    expect(serviceStandings(rs, { tier: 'gold', state, today })[0]).toMatchObject({ used: 3, remaining: 0 });
  });
});
