import { sampleModel } from './main/receipts/fixtures.js';
import { renderEscPos, renderText } from './main/receipts/render.js';
import { decodeEscPos } from './main/receipts/escpos-decode.js';
for (const width of [58, 80] as const) for (const lang of ['zh-CN', 'en'] as const) {
  const d = decodeEscPos(renderEscPos(sampleModel(), { lang, width })).lines;
  const t = renderText(sampleModel(), { lang, width }).split('\n');
  const ds = d.filter(l => l.trim()), ts = t.filter(l => l.trim());
  console.log(width, lang, ds.length, ts.length);
  for (let i = 0; i < Math.max(ds.length, ts.length); i++) if (ds[i] !== ts[i]) console.log(i, JSON.stringify(ds[i]), JSON.stringify(ts[i]));
}
