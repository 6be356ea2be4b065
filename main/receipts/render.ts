/**
 * Receipt renderers: one ReceiptLine document per receipt, turned into plain text (UTF-8),
 * ESC/POS bytes (GB18030 in Chinese mode, see escpos.ts) or an image (receiptline's SVG,
 * rasterised by resvg with a CJK font so the preview shows the Chinese as printed).
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import receiptline from 'receiptline';
import { PAPER, type PaperWidth, type PrinterEncoding } from '../../native/printers/config.js';
import { tillEscPos } from './escpos.js';
import { receiptDocument } from './layout.js';
import type { ReceiptLang, ReceiptModel } from './model.js';

export interface RenderOptions {
  lang: ReceiptLang;
  width: PaperWidth;
  encoding?: PrinterEncoding;
}

export function renderText(m: ReceiptModel, o: RenderOptions): string {
  const encoding = o.encoding ?? 'gb18030';
  const doc = receiptDocument(m, { ...o, encoding, target: 'text' });
  const text = receiptline.transform(doc, { cpl: PAPER[o.width].columns, encoding, command: 'text' });
  // receiptline pads every line to the full width; trailing blanks carry nothing.
  return `${text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '')}\n`;
}

export function renderEscPos(m: ReceiptModel, o: RenderOptions): Buffer {
  const encoding = o.encoding ?? 'gb18030';
  const doc = receiptDocument(m, { ...o, encoding, target: 'printer' });
  const out = receiptline.transform(doc, {
    cpl: PAPER[o.width].columns,
    encoding,
    command: tillEscPos,
    cutting: true,
    spacing: true,
  });
  return Buffer.from(out, 'binary');
}

export function renderSvg(m: ReceiptModel, o: RenderOptions): string {
  const encoding = o.encoding ?? 'gb18030';
  const doc = receiptDocument(m, { ...o, encoding, target: 'image' });
  return receiptline.transform(doc, { cpl: PAPER[o.width].columns, encoding, spacing: true });
}

/** CJK fonts looked for, first found wins (fonts-wqy-microhei on Debian/Ubuntu). */
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  'C:\\Windows\\Fonts\\msyh.ttc',
  '/System/Library/Fonts/PingFang.ttc',
];

let fontChoice: { files: string[]; family: string | null } | null = null;

function fonts(): { files: string[]; family: string | null } {
  if (!fontChoice) {
    const env = process.env.TILL_RECEIPT_FONT;
    const found = [env, ...FONT_CANDIDATES].find((f): f is string => typeof f === 'string' && existsSync(f));
    const family = found?.includes('wqy-microhei')
      ? 'WenQuanYi Micro Hei Mono'
      : found?.includes('wqy-zenhei')
        ? 'WenQuanYi Zen Hei Mono'
        : null;
    fontChoice = { files: found ? [found] : [], family };
  }
  return fontChoice;
}

/** The receipt as a PNG at printer resolution (8 dots/mm: 384 or 576 pixels wide). */
export function renderPng(m: ReceiptModel, o: RenderOptions): Buffer {
  const svg = renderSvg(m, o);
  const f = fonts();
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'width', value: PAPER[o.width].dots },
    font: {
      fontFiles: f.files,
      // Without a CJK font file found, fall back to whatever the system has.
      loadSystemFonts: f.files.length === 0,
      ...(f.family ? { defaultFontFamily: f.family, monospaceFamily: f.family, sansSerifFamily: f.family } : {}),
    },
    languages: [o.lang === 'en' ? 'en' : 'zh-CN'],
    logLevel: 'off',
  });
  return Buffer.from(resvg.render().asPng());
}
