import { sampleModel } from './main/receipts/fixtures.js';
import { renderEscPos } from './main/receipts/render.js';
import { decodeEscPos } from './main/receipts/escpos-decode.js';
for (const width of [58, 80] as const) for (const lang of ['zh-CN', 'en'] as const) {
  const d = decodeEscPos(renderEscPos(sampleModel(), { lang, width }));
  console.log(`==== ${width} ${lang}`, JSON.stringify({ qr: d.qr, bc: d.barcodes, cuts: d.cuts, init: d.initialisations, cm: d.chineseMode, unk: d.unknown, max: d.maxColumns }));
  if (width === 58) console.log(d.lines.join('\n'));
}
