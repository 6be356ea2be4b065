/**
 * Issue 14: "no screen, receipt or log line shown to staff contains an untranslated code in
 * zh-CN mode". The catalogue is every code the till and its rule set use (tiers, categories,
 * rewards, promotions, card and reward kinds, lifecycle, roles, device and printer states, sync
 * problems, error codes); a code is untranslated when it shows as a word in zh-CN text. Text
 * inside <code> elements is left out: that is where a screen shows ids IT asks for on purpose.
 */
import type { Page } from 'playwright-core';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { zh } from '../../renderer/src/i18n/zh.js';

const FIXED = [
  // cards, rewards, lifecycle, roles, statuses
  ...['barcode', 'nfc', 'qr', 'voucher', 'coupon', 'service', 'active', 'blocked', 'new', 'at_risk', 'dormant'],
  ...['cashier', 'supervisor', 'admin', 'standalone', 'connected', 'online', 'offline', 'hqUnreachable'],
  // readers and the printer (main/devices, native/printers)
  ...['serial', 'nfc-serial', 'hid', 'pcsc', 'keyboard', 'simulated', 'opening', 'ready', 'disconnected'],
  ...['unavailable', 'ui', 'stopped', 'none', 'unknown', 'absent', 'paper_out', 'cover_open', 'error'],
  ...['hq_unreachable', 'unauthorized', 'chain_refused', 'hq_error', 'hq_key_missing', 'locked'],
  // the breakdown's own words and kinds
  ...['base', 'excluded', 'pointsTender', 'category', 'tier', 'promotion', 'cap', 'bonus', 'stamp', 'noMember'],
  ...['credit', 'debit', 'earn', 'redeem', 'reward', 'adjust_credit', 'adjust_debit'],
];

/** Every code a zh-CN screen must never show as a word. */
export function catalogue(rs: RuleSet): string[] {
  const errors = Object.keys(zh)
    .filter((k) => k.startsWith('error.'))
    .map((k) => k.slice('error.'.length));
  return [
    ...FIXED,
    ...errors,
    ...rs.tiers.map((t) => t.code),
    ...rs.rewards.flatMap((r) => [r.id, r.kind]),
    ...rs.promotions.map((p) => p.id),
    ...rs.earn.excludedCategories,
    ...Object.keys(rs.earn.categoryMultipliers),
    ...Object.keys(rs.categoryNames ?? {}),
    ...rs.tiers.flatMap((t) => t.freeServices),
    ...['general', 'food', 'dairy', 'drinks', 'fresh', 'household', 'electronics', 'alcohol'],
  ];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The codes of the catalogue that appear as words in `text`, and any run of English words. */
export function untranslatedCodes(text: string, rs: RuleSet): string[] {
  const found = new Set<string>();
  for (const code of catalogue(rs)) {
    // Codes are lower case; "NFC", "POS" and "PIN" are the glossary's own words.
    if (new RegExp(`(^|[^A-Za-z0-9_-])${escape(code)}($|[^A-Za-z0-9_-])`).test(text)) found.add(code);
  }
  // An English phrase (two or more words) is untranslated text, whatever it says.
  for (const m of text.matchAll(/[A-Za-z]{2,}(?:[ ,:]+[A-Za-z]{2,})+/g)) found.add(m[0]);
  return [...found];
}

/** What the page shows, without the <code> elements that hold ids on purpose. */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const body = document.body.cloneNode(true) as HTMLElement;
    body.querySelectorAll('code, script, style').forEach((e) => e.remove());
    document.body.appendChild(body);
    body.style.position = 'absolute';
    const text = body.innerText;
    body.remove();
    return text;
  });
}
