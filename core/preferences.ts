/**
 * A member's preferences (issue 15 item 6, DOMAIN.md 10): marketing consent, the channel they
 * want to be reached by, and their interests. Pure: the till and head office both fold with it.
 *
 * DECISIONS (docs/decisions.md "Member preferences"):
 * - Interests are a FIXED list of member-facing categories (INTEREST_CATEGORIES), not the rule
 *   set's earn categories: those name how goods earn (tobacco, gift cards), not what a member
 *   wants to hear about, and a rule set change must not silently void members' choices.
 * - A change names only the fields it sets. Each field on its own takes the value of the LAST
 *   change that set it, ordered by (at, origin, changeId): two changes made offline at two
 *   places both count, field by field, and every place that folds the same changes reaches the
 *   same preferences whatever order they arrived in.
 * - `at` is the time the change was made, by the clock of the place that made it, but never
 *   later than the moment head office received it (effectiveAt): a till whose clock runs ahead
 *   cannot make its change outlive later ones.
 */

export const MEMBER_CHANNELS = ['sms', 'wechat', 'email', 'none'] as const;
export type MemberChannel = (typeof MEMBER_CHANNELS)[number];

/** The channels a marketing message can travel by ('none': the member wants none). */
export type DeliveryChannel = Exclude<MemberChannel, 'none'>;

export const INTEREST_CATEGORIES = [
  'fresh',
  'snacks',
  'drinks',
  'household',
  'beauty',
  'baby',
  'health',
  'apparel',
  'electronics',
  'pets',
] as const;
export type InterestCategory = (typeof INTEREST_CATEGORIES)[number];

/** zh-CN first, English second (STYLE.md): the labels both screens show. */
export const INTEREST_LABELS: Record<InterestCategory, { zh: string; en: string }> = {
  fresh: { zh: '生鲜', en: 'Fresh food' },
  snacks: { zh: '休闲零食', en: 'Snacks' },
  drinks: { zh: '酒水饮料', en: 'Drinks' },
  household: { zh: '家居日用', en: 'Household' },
  beauty: { zh: '美妆个护', en: 'Beauty' },
  baby: { zh: '母婴', en: 'Baby' },
  health: { zh: '健康保健', en: 'Health' },
  apparel: { zh: '服饰', en: 'Clothing' },
  electronics: { zh: '数码家电', en: 'Electronics' },
  pets: { zh: '宠物', en: 'Pets' },
};

export const CHANNEL_LABELS: Record<MemberChannel, { zh: string; en: string }> = {
  sms: { zh: '短信', en: 'SMS' },
  wechat: { zh: '微信', en: 'WeChat' },
  email: { zh: '电子邮件', en: 'Email' },
  none: { zh: '不接收', en: 'None' },
};

export interface Preferences {
  consentMarketing: boolean;
  preferredChannel: MemberChannel;
  interests: string[];
}

/** Where a change was made: a till (with the staff member who keyed it) or the member's own page. */
export type PreferenceOrigin = { kind: 'till'; tillId: string; staffId: string } | { kind: 'page' };

export interface PreferenceChange {
  /** unique per change (a UUID made where it was made): resending it changes nothing */
  changeId: string;
  /** ISO instant the change was made (effectiveAt at head office) */
  at: string;
  origin: PreferenceOrigin;
  set: Partial<Preferences>;
}

export type PreferenceError = { code: 'nothing_to_change' } | { code: 'unknown_interest'; interest: string };

/** "till:T1" / "page": the tie-break after the time, so equal times order the same everywhere. */
export function originKey(o: PreferenceOrigin): string {
  switch (o.kind) {
    case 'till':
      return `till:${o.tillId}`;
    case 'page':
      return 'page';
    default: {
      const never: never = o;
      throw new Error(`unknown origin ${JSON.stringify(never)}`);
    }
  }
}

/** Total order of changes: time, then origin, then change id. */
export function compareChanges(a: PreferenceChange, b: PreferenceChange): number {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const oa = originKey(a.origin);
  const ob = originKey(b.origin);
  if (oa !== ob) return oa < ob ? -1 : 1;
  return a.changeId < b.changeId ? -1 : a.changeId > b.changeId ? 1 : 0;
}

/**
 * The preferences after `changes` (in any order): per field, the last change that set it wins;
 * a field no change sets keeps its value in `base` (the enrolment values).
 */
export function foldPreferences(base: Preferences, changes: readonly PreferenceChange[]): Preferences {
  const out: Preferences = { ...base, interests: [...base.interests] };
  for (const c of [...changes].sort(compareChanges)) {
    if (c.set.consentMarketing !== undefined) out.consentMarketing = c.set.consentMarketing;
    if (c.set.preferredChannel !== undefined) out.preferredChannel = c.set.preferredChannel;
    if (c.set.interests !== undefined) out.interests = [...c.set.interests];
  }
  return out;
}

/** The time a change counts as made: as stated, but never after head office received it. */
export function effectiveAt(statedAt: string, receivedAt: string): string {
  return Date.parse(statedAt) <= Date.parse(receivedAt)
    ? new Date(statedAt).toISOString()
    : new Date(receivedAt).toISOString();
}

/** Interests checked against the fixed list, without repeats, in the list's order. */
export function normaliseInterests(
  raw: readonly string[],
): { ok: true; interests: string[] } | { ok: false; error: PreferenceError } {
  const known = new Set<string>(INTEREST_CATEGORIES);
  for (const i of raw) if (!known.has(i)) return { ok: false, error: { code: 'unknown_interest', interest: i } };
  const picked = new Set(raw);
  return { ok: true, interests: INTEREST_CATEGORIES.filter((c) => picked.has(c)) };
}

/**
 * A requested change made ready to record: interests normalised, fields equal to the current
 * value dropped (a no-op is not history). Refused when nothing would change.
 */
export function prepareChange(
  current: Preferences,
  requested: Partial<Preferences>,
): { ok: true; set: Partial<Preferences> } | { ok: false; error: PreferenceError } {
  const set: Partial<Preferences> = {};
  if (requested.consentMarketing !== undefined && requested.consentMarketing !== current.consentMarketing) {
    set.consentMarketing = requested.consentMarketing;
  }
  if (requested.preferredChannel !== undefined && requested.preferredChannel !== current.preferredChannel) {
    set.preferredChannel = requested.preferredChannel;
  }
  if (requested.interests !== undefined) {
    const n = normaliseInterests(requested.interests);
    if (!n.ok) return n;
    if (JSON.stringify(n.interests) !== JSON.stringify(current.interests)) set.interests = n.interests;
  }
  if (Object.keys(set).length === 0) return { ok: false, error: { code: 'nothing_to_change' } };
  return { ok: true, set };
}

/** Whether a marketing message may go out by the member's current preferences, and by which channel. */
export function marketingChannel(
  p: Pick<Preferences, 'consentMarketing' | 'preferredChannel'>,
): DeliveryChannel | null {
  if (!p.consentMarketing) return null;
  return p.preferredChannel === 'none' ? null : p.preferredChannel;
}
