/**
 * Receipt layouts as ReceiptLine documents (receiptline's markdown-like receipt language):
 * one layout for both paper widths (58 mm = 32 columns, 80 mm = 48 columns) and both
 * languages. Column widths count CJK characters double, as the printer prints them.
 *
 * Targets: 'printer' (ESC/POS) and 'image' (SVG/PNG preview) use size and emphasis marks and
 * print the codes; 'text' leaves out what plain text cannot show (double size, barcodes)
 * and prints the codes' contents instead.
 */
import receiptline from 'receiptline';
import type { PaperWidth, PrinterEncoding } from '../../native/printers/config.js';
import { PAPER } from '../../native/printers/config.js';
import type { Localised, ReceiptLang, ReceiptModel } from './model.js';
import { displayWidth, escapeLine, escapeProperty, fitWidth, groupDigits, money, printable, wrap } from './text.js';

export type LayoutTarget = 'printer' | 'image' | 'text';

export interface LayoutOptions {
  lang: ReceiptLang;
  width: PaperWidth;
  encoding: PrinterEncoding;
  target: LayoutTarget;
}

const L = {
  store: { zh: '门店', en: 'Store' },
  till: { zh: '收银台', en: 'Till' },
  receipt: { zh: '小票号', en: 'Receipt' },
  time: { zh: '时间', en: 'Time' },
  cashier: { zh: '收银员', en: 'Cashier' },
  reprint: { zh: '重印', en: 'REPRINT' },
  printedAt: { zh: '打印于', en: 'printed' },
  title: { zh: '会员积分小票', en: 'Member points receipt' },
  member: { zh: '会员', en: 'Member' },
  memberNo: { zh: '会员号', en: 'Member no.' },
  phone: { zh: '手机号', en: 'Mobile' },
  tier: { zh: '会员等级', en: 'Tier' },
  total: { zh: '消费金额', en: 'Amount' },
  earned: { zh: '本次获得积分', en: 'Points earned' },
  bonus: { zh: '其中奖励积分', en: 'incl. bonus' },
  withheld: { zh: '超出上限未计', en: 'Over the cap' },
  redeemed: { zh: '本次使用积分', en: 'Points redeemed' },
  redeemValue: { zh: '积分抵现', en: 'Paid with points' },
  balance: { zh: '积分余额', en: 'Points balance' },
  asOf: { zh: '截至', en: 'as of' },
  neverSynced: { zh: '尚未与总部同步', en: 'not yet synced with head office' },
  asOfNote: { zh: '（离线，以总部同步为准）', en: '(offline; head office has the final figure)' },
  toNext: { zh: '距下一等级还差', en: 'To next tier' },
  topTier: { zh: '已是最高等级', en: 'Top tier reached' },
  upgraded: { zh: '恭喜升级为', en: 'Upgraded to' },
  upgradedFrom: { zh: '原等级', en: 'was' },
  expiring: { zh: '即将过期', en: 'Expiring soon' },
  expiringNone: { zh: '60 天内无积分过期', en: 'No points expire in the next 60 days' },
  offers: { zh: '您的专属优惠', en: 'Your offers' },
  stamps: { zh: '集点卡', en: 'Stamp card' },
  stampNow: { zh: '本次 +1', en: '+1 today' },
  coupons: { zh: '优惠券', en: 'Coupons' },
  validTo: { zh: '有效期至', en: 'Valid to' },
  used: { zh: '已使用', en: 'used' },
  noMember: { zh: '本单未使用会员', en: 'No member on this sale' },
  join: { zh: '入会即可积分，欢迎咨询收银员', en: 'Join the programme to earn points; ask the cashier' },
  thanks: { zh: '谢谢惠顾，欢迎再次光临', en: 'Thank you, see you again soon' },
  survey: { zh: '扫码评价本次购物', en: 'Scan to rate this visit' },
  surveyHint: { zh: '您的意见帮助我们做得更好', en: 'Your answer helps us do better' },
} satisfies Record<string, Localised>;

function pick(lang: ReceiptLang, s: Localised): string {
  return lang === 'en' ? s.en : s.zh;
}

function expiryRule(m: ReceiptModel, lang: ReceiptLang): string {
  const e = m.programme.expiry;
  switch (e.policy) {
    case 'rollingMonths':
      return lang === 'en' ? `Points are valid for ${e.months} months` : `积分自获得之日起 ${e.months} 个月内有效`;
    case 'endOfNextYear':
      return lang === 'en' ? 'Points expire on 31 Dec of the following year' : '积分于获得次年 12 月 31 日到期';
    case 'never':
      return lang === 'en' ? 'Points never expire' : '积分长期有效';
    default: {
      const never: never = e;
      return String(never);
    }
  }
}

/** A ReceiptLine document under construction; tracks the saved `width` property. */
class Doc {
  readonly lines: string[] = [];
  private widthState = 'auto';

  constructor(
    readonly o: LayoutOptions,
    readonly cols: number,
    /** value column of label/value rows */
    readonly valueCols: number,
  ) {}

  t(s: string): string {
    return escapeLine(printable(s, this.o.encoding));
  }

  private width(w: string): void {
    if (w === this.widthState) return;
    this.lines.push(`{width:${w}}`);
    this.widthState = w;
  }

  /**
   * Label left, value right, on one line when both fit (the value column grows to the value),
   * else the label on one line and the value right-aligned under it. `indent` columns of
   * space go before the label.
   */
  row(label: string, value: string, mark = '', indent = 0): void {
    const lw = displayWidth(printable(label, this.o.encoding)) + indent;
    const vw = displayWidth(printable(value, this.o.encoding));
    const vcol = Math.max(this.valueCols, vw);
    const pad = '~'.repeat(indent);
    if (value === '') {
      this.text(label, 'left', mark, indent);
    } else if (lw + 1 + vcol <= this.cols) {
      this.width(`*,${vcol}`);
      this.lines.push(`${pad}${mark}${this.t(label)}${mark} | ${mark}${this.t(value)}${mark}`);
    } else {
      this.text(label, 'left', mark, indent);
      this.text(value, 'right', mark);
    }
  }

  /** A line of text: left (wraps), centre or right. */
  text(s: string, align: 'left' | 'center' | 'right' = 'left', mark = '', indent = 0): void {
    this.width('auto');
    const body = `${'~'.repeat(indent)}${mark}${this.t(s)}${mark}`;
    this.lines.push(align === 'left' ? `|${body} |` : align === 'right' ? `| ${body}|` : body);
  }

  /** A paragraph, word-wrapped here (receiptline would break inside "×1.5" or "60 days"). */
  para(s: string, indent = 0, align: 'left' | 'center' | 'right' = 'left'): void {
    for (const line of wrap(printable(s, this.o.encoding), this.cols - indent)) this.text(line, align, '', indent);
  }

  rule(): void {
    this.width('auto');
    this.lines.push('-');
  }

  blank(): void {
    this.width('auto');
    this.lines.push('');
  }

  raw(line: string): void {
    this.width('auto');
    this.lines.push(line);
  }
}

/** Code 128 module width 2 when it fits the paper, else null (the reference is printed as text only). */
function barcodeFits(data: string, dots: number): boolean {
  try {
    const form = receiptline.barcode.generate({
      data,
      type: 'code128',
      width: 2,
      height: 48,
      hri: true,
      quietZone: true,
    });
    return form.length > 0 && form.length <= dots;
  } catch {
    return false;
  }
}

export function receiptDocument(m: ReceiptModel, o: LayoutOptions): string {
  const paper = PAPER[o.width];
  const d = new Doc(o, paper.columns, o.width === 58 ? 12 : 14);
  const lang = o.lang;
  const p = (s: Localised): string => pick(lang, s);
  const fancy = o.target !== 'text';

  // Header: store name big, then where and when.
  // The store's name, never its id, when anyone named it (issue 14); the id is all there is otherwise.
  const storeName = m.store.name ? p(m.store.name) : `${p(L.store)} ${m.store.storeId}`;
  const nameFits2x = displayWidth(printable(storeName, o.encoding)) * 2 <= paper.columns;
  if (fancy) {
    d.text(fitWidth(storeName, nameFits2x ? paper.columns / 2 : paper.columns), 'center', nameFits2x ? '^^^' : '^^');
    d.blank();
  } else d.text(fitWidth(storeName, paper.columns), 'center');
  d.text(p(L.title), 'center');
  if (m.reprint) d.text(`*** ${p(L.reprint)} ***`, 'center', fancy ? '"' : '');
  d.rule();
  d.row(p(L.receipt), m.sale.saleId);
  d.row(p(L.time), m.sale.local);
  d.row(p(L.till), m.store.tillId);
  if (m.sale.staffId) d.row(p(L.cashier), m.sale.staffId);
  d.row(p(L.total), money(m.sale.total));
  d.rule();

  if (!m.member) {
    d.text(p(L.noMember), 'center');
    d.para(p(L.join), 0, 'center');
  } else {
    if (m.member.name) d.row(p(L.member), m.member.name);
    d.row(p(L.memberNo), m.member.memberNoMasked);
    if (m.member.phone) d.row(p(L.phone), m.member.phone);
    d.row(p(L.tier), p(m.member.tier));
    d.rule();

    if (m.earn) {
      d.row(p(L.earned), `+${groupDigits(m.earn.points + m.earn.bonusPoints)}`, fancy ? '"' : '');
      if (m.earn.bonusPoints > 0) d.row(p(L.bonus), `+${groupDigits(m.earn.bonusPoints)}`, '', 2);
      if (m.earn.withheldByCaps > 0) d.row(p(L.withheld), groupDigits(m.earn.withheldByCaps), '', 2);
      d.para(p(m.earn.breakdown));
    }
    if (m.redeem) {
      d.row(p(L.redeemed), `-${groupDigits(m.redeem.points)}`);
      d.row(p(L.redeemValue), money(m.redeem.value));
    }
    if (m.balance) {
      d.rule();
      d.row(p(L.balance), groupDigits(m.balance.points), fancy ? '"' : '');
      if (m.balance.asOf) {
        d.text(m.balance.asOf === 'never' ? p(L.neverSynced) : `${p(L.asOf)} ${m.balance.asOf}`, 'right');
        d.para(p(L.asOfNote), 0, 'right');
      }
    }

    if (m.tierChange) {
      d.rule();
      d.text(`${p(L.upgraded)} ${p(m.tierChange.to)}${lang === 'en' ? '!' : '！'}`, 'center', fancy ? '"' : '');
      d.text(`${p(L.upgradedFrom)}${lang === 'en' ? ': ' : '：'}${p(m.tierChange.from)}`, 'center');
    }
    d.rule();
    if (m.nextTier) {
      d.row(`${p(L.toNext)} (${p(m.nextTier.name)})`, money(m.nextTier.remaining));
    } else {
      d.text(p(L.topTier));
    }

    d.text(p(L.expiring), 'left', fancy ? '"' : '');
    if (m.expiring.length === 0) d.para(p(L.expiringNone), 2);
    for (const e of m.expiring) d.row(e.on, groupDigits(e.points), '', 2);
    if (m.offers) {
      d.text(p(L.offers), 'left', fancy ? '"' : '');
      d.para(p(m.offers));
    }

    if (m.stamps) {
      const s = m.stamps;
      const dots = '●'.repeat(s.onCard) + '○'.repeat(Math.max(0, s.of - s.onCard));
      const bar = displayWidth(dots) <= paper.columns - d.valueCols - 1 ? dots : '';
      d.rule();
      d.row(`${p(L.stamps)} ${bar}`.trim(), `${s.onCard}/${s.of}`);
      d.para(
        lang === 'en'
          ? `${s.of} stamps earn ${groupDigits(s.rewardPoints)} points${s.earnedNow ? `; ${L.stampNow.en}` : ''}`
          : `集满 ${s.of} 点奖励 ${groupDigits(s.rewardPoints)} 积分${s.earnedNow ? `，${L.stampNow.zh}` : ''}`,
      );
    }

    if (m.coupons.length > 0) {
      d.rule();
      d.text(p(L.coupons), 'left', fancy ? '"' : '');
      for (const c of m.coupons) {
        d.row(p(c.name), c.kind === 'service' ? '' : money(c.value));
        d.row(p(L.validTo), c.used ? p(L.used) : c.validTo, '', 2);
        if (!c.used) {
          if (fancy) d.raw(`{code:${escapeProperty(c.code)};option:qrcode,${o.width === 58 ? 5 : 6},m}`);
          d.text(c.code, 'center');
        }
      }
    }
  }

  // Footer: the programme's rules in one breath, and the sale reference to scan at a return.
  d.rule();
  if (m.member) {
    d.para(expiryRule(m, lang));
    d.para(
      lang === 'en'
        ? `${m.programme.baseRate} point per ￥1; ${groupDigits(m.programme.pointsPerCurrencyUnit)} points = ${money(m.programme.pointsValue)} off`
        : `每消费 ￥1 积 ${m.programme.baseRate} 分，${groupDigits(m.programme.pointsPerCurrencyUnit)} 积分抵 ${money(m.programme.pointsValue)}`,
    );
  }
  if (m.survey) {
    // The survey link (issue 15 item 5): the QR code, and the URL under it for a phone that cannot scan.
    d.text(p(L.survey), 'center', fancy ? '"' : '');
    d.text(p(L.surveyHint), 'center');
    if (fancy) d.raw(`{code:${escapeProperty(m.survey.url)};option:qrcode,${o.width === 58 ? 4 : 5},m}`);
    d.para(m.survey.url);
    d.rule();
  }
  d.text(p(L.thanks), 'center');
  if (fancy && /^[\x20-\x7e]+$/.test(m.sale.saleId) && barcodeFits(m.sale.saleId, paper.dots)) {
    d.raw(`{code:${escapeProperty(m.sale.saleId)};option:code128,2,48,hri}`);
  }
  if (m.reprint) d.text(`${p(L.printedAt)} ${m.printedAt}`, 'right');
  // The paper is cut by the command set's close(), after the last line.
  return `${d.lines.join('\n')}\n`;
}
