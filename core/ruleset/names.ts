/**
 * Display names for the codes a rule set uses (categories, stores), so screens and receipts in
 * either language never show a bare code. The rule set's own names win; the built-in names
 * cover the categories the default programme and the cashier UI know.
 */
import type { RuleSet } from './schema.js';

export interface LocalisedText {
  zh: string;
  en: string;
}

/** Categories a new store meets first; the renderer's category.* messages say the same. */
export const BUILTIN_CATEGORY_NAMES: Readonly<Record<string, LocalisedText>> = {
  // English in lower case: the names are read inside a sentence ("excluded ¥30.00 (tobacco)").
  general: { zh: '普通商品', en: 'general goods' },
  food: { zh: '食品', en: 'food' },
  dairy: { zh: '乳制品', en: 'dairy' },
  drinks: { zh: '饮料', en: 'drinks' },
  fresh: { zh: '生鲜', en: 'fresh food' },
  household: { zh: '日用品', en: 'household' },
  electronics: { zh: '电器', en: 'electronics' },
  tobacco: { zh: '烟草', en: 'tobacco' },
  alcohol: { zh: '酒类', en: 'alcohol' },
  'gift-card': { zh: '礼品卡', en: 'gift cards' },
};

type Named = Pick<RuleSet, 'categoryNames'>;

/** The category's display name; an unknown code is its own name (there is nothing better to show). */
export function categoryName(rs: Named, code: string): LocalisedText {
  return rs.categoryNames?.[code] ?? BUILTIN_CATEGORY_NAMES[code] ?? { zh: code, en: code };
}

/** Every category the rule set mentions or names, with its display name, in a stable order. */
export function categoriesOf(rs: RuleSet): { code: string; name: LocalisedText }[] {
  const codes = new Set<string>([
    ...Object.keys(BUILTIN_CATEGORY_NAMES),
    ...Object.keys(rs.categoryNames ?? {}),
    ...rs.earn.excludedCategories,
    ...Object.keys(rs.earn.categoryMultipliers),
    ...rs.promotions.flatMap((p) => p.categories ?? []),
  ]);
  return [...codes].map((code) => ({ code, name: categoryName(rs, code) }));
}

/** The store's name from the rule set, or null when head office has not named it. */
export function storeName(rs: Pick<RuleSet, 'storeNames'>, storeId: string): LocalisedText | null {
  return rs.storeNames?.[storeId] ?? null;
}
