/**
 * quote_100_lines: a 100-line basket for a Gold member against a rule set with 50 promotions
 * (weekday, date-range, day-of-month, category, tier, minimum-spend and birthday-month ones,
 * some in force today and some not), through main/service/sales.ts quote() on a till's
 * context and through the pure computeEarn() alone. Median and p95 per quote.
 */
import { join } from 'node:path';
import { computeEarn } from '../core/engine/earn.js';
import { activePromotions } from '../core/engine/promotions.js';
import type { MemberContext } from '../core/engine/types.js';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { parseRuleSet, type RuleSetInput } from '../core/ruleset/schema.js';
import { addDays, localDate } from '../core/time.js';
import { EnrolRequest, QuoteRequest, SaleRequest } from '../main/api/schemas.js';
import { enrol } from '../main/service/members.js';
import { quote, recordSale } from '../main/service/sales.js';
import { benchTill, median, ms, percentile, pick, randInt, seeded, timeSync, type Benchmark } from './lib.js';

const CALLS = 2_000;
const WARMUP = 200;
const LINES = 100;
const TZ = 'Asia/Shanghai';

const CATEGORIES = [
  'grocery',
  'dairy',
  'fresh',
  'beverage',
  'snacks',
  'frozen',
  'bakery',
  'home',
  'personal-care',
  'baby',
  'wine',
  'tobacco',
  'gift-card',
];
const MULTIPLIERS = ['1.2', '1.5', '2', '2.5', '3', '1.25', '1.75'];

type PromotionInput = NonNullable<RuleSetInput['promotions']>[number];

/** 50 promotions, ten of each family, their dates placed around `today`. */
export function fiftyPromotions(today: string, rand: () => number): PromotionInput[] {
  const out: PromotionInput[] = [];
  const add = (id: string, en: string, p: Partial<PromotionInput>): void => {
    out.push({ id, name: { zh: en, en }, multiplier: pick(rand, MULTIPLIERS), ...p });
  };
  const cats = (n: number): string[] => {
    const s = new Set<string>();
    while (s.size < n) s.add(pick(rand, CATEGORIES.slice(0, 11)));
    return [...s];
  };
  for (let i = 0; i < 10; i++) {
    const days = new Set<number>();
    const want = randInt(rand, 1, 3);
    while (days.size < want) days.add(randInt(rand, 1, 7));
    add(`weekday-${i}`, `weekday ${i}`, { weekdays: [...days].sort() });
  }
  for (let i = 0; i < 10; i++) {
    const start = randInt(rand, -30, 10);
    add(`range-${i}`, `festival ${i}`, {
      from: addDays(today, start),
      to: addDays(today, start + randInt(rand, 3, 30)),
    });
  }
  for (let i = 0; i < 10; i++) add(`cat-${i}`, `category ${i}`, { categories: cats(randInt(rand, 1, 3)) });
  for (let i = 0; i < 10; i++) {
    add(`tier-${i}`, `members ${i}`, {
      tiers: pick(rand, [['gold'], ['silver', 'gold'], ['diamond'], ['gold', 'diamond']]),
      ...(i % 2 ? { categories: cats(2) } : {}),
    });
  }
  for (let i = 0; i < 10; i++) {
    const scoped = i % 3 === 0;
    add(`spend-${i}`, `spend more ${i}`, {
      minSpend: randInt(rand, 5, 5000) * 100,
      ...(scoped ? { categories: cats(2) } : {}),
      ...(i % 4 === 1 ? { daysOfMonth: [randInt(rand, 1, 28), Number(today.slice(8, 10))] } : {}),
      ...(i === 9 ? { birthdayMonth: true } : {}),
    });
  }
  return out;
}

function basket(rand: () => number): Record<string, unknown>[] {
  return Array.from({ length: LINES }, (_, i) => {
    const weighed = rand() < 0.2;
    const quantity = weighed ? randInt(rand, 100, 3000) / 1000 : randInt(rand, 1, 4);
    const unitPrice = randInt(rand, 150, 20_000);
    return {
      sku: `sku-${String(i).padStart(3, '0')}`,
      name: `item ${i}`,
      category: CATEGORIES[i % CATEGORIES.length],
      quantity,
      unitPrice,
      discount: rand() < 0.15 ? Math.floor((quantity * unitPrice) / 10) : 0,
    };
  });
}

export const quote100Lines: Benchmark = {
  name: 'quote_100_lines',
  async run({ dir }) {
    const rand = seeded(100_050);
    const till = await benchTill(join(dir, 'till'));
    try {
      const { ctx } = till;
      const now = ctx.now().toISOString();
      const today = localDate(now, TZ).date;
      const input: RuleSetInput = {
        ...DEFAULT_RULE_SET_INPUT,
        version: 2,
        effectiveFrom: '2024-01-01T00:00:00+08:00',
        earn: { ...DEFAULT_RULE_SET_INPUT.earn, categoryMultipliers: { wine: '1.5', baby: '2', fresh: '1.2' } },
        promotions: fiftyPromotions(today, rand),
      };
      parseRuleSet(input);
      ctx.rules.put(input, now);
      const rs = ctx.rules.at(now);
      if (rs.version !== 2 || rs.promotions.length !== 50) throw new Error('bench rule set not in force');

      // A Gold member: enrolled, then a sale yesterday whose spend crosses the Gold threshold.
      const member = enrol(
        ctx,
        EnrolRequest.parse({
          name: '金卡会员',
          phone: '13600000001',
          birthday: `${today.slice(5, 7)}-01`,
          consent: { marketing: true, text: 'consent-v1' },
        }),
      ).summary.memberNo;
      const yesterday = new Date(Date.parse(now) - 86_400_000).toISOString();
      recordSale(
        ctx,
        SaleRequest.parse({
          saleId: 'gold-maker',
          memberNo: member,
          occurredAt: yesterday,
          lines: [{ sku: 'tv', category: 'home', quantity: 1, unitPrice: 1_050_000 }],
        }),
      );
      const state = ctx.ledger.state(member, 'ordinary');
      if (state.tier !== 'gold') throw new Error(`bench member is ${state.tier}, not gold`);

      const lines = basket(rand);
      const req = QuoteRequest.parse({ memberNo: member, lines, basketDiscount: 500 });
      const mctx: MemberContext = {
        memberNo: member,
        tier: state.tier,
        birthday: `${today.slice(5, 7)}-01`,
        winBackUntil: null,
        earnedToday: 0,
        stamps: 0,
        birthdayGiftYear: state.birthdayGiftYear,
      };
      const earnInput = {
        lines: req.lines,
        basketDiscount: req.basketDiscount,
        pointsRedeemed: 0,
        occurredAt: now,
        member: mctx,
      };

      const first = quote(ctx, req);
      const applied = first.breakdown.filter((b) => b.kind === 'promotion').length;
      const pure = computeEarn(rs, earnInput);
      if (pure.points !== first.pointsEarned) {
        throw new Error(`quote ${first.pointsEarned} and computeEarn ${pure.points} disagree`);
      }

      const service: number[] = [];
      const engine: number[] = [];
      for (let i = 0; i < WARMUP; i++) {
        quote(ctx, req);
        computeEarn(rs, earnInput);
      }
      for (let i = 0; i < CALLS; i++) {
        service.push(timeSync(() => void quote(ctx, req)));
        engine.push(timeSync(() => void computeEarn(rs, earnInput)));
      }
      const active = activePromotions(rs, {
        day: localDate(now, rs.timeZone),
        member: mctx,
        tier: mctx.tier,
        lines: pure.lines.filter((l) => !l.excluded).map((l) => ({ category: l.category, eligible: l.eligible })),
      }).length;
      return (
        `quote_100_lines: service quote median ${ms(median(service))} p95 ${ms(percentile(service, 95))}; ` +
        `computeEarn alone median ${ms(median(engine))} p95 ${ms(percentile(engine, 95))} ` +
        `(${LINES} lines, 50 promotions, ${active} in force, ${applied} winning lines, Gold member, ` +
        `${first.pointsEarned} points after caps; ${CALLS} quotes each)`
      );
    } finally {
      await till.close();
    }
  },
};
