import { sampleModel } from './main/receipts/fixtures.js';
import { renderText, renderEscPos, renderPng } from './main/receipts/render.js';
import { writeFileSync } from 'node:fs';
for (const width of [58, 80] as const) for (const lang of ['zh-CN', 'en'] as const) {
  console.log(`==== ${width} ${lang}`);
  console.log(renderText(sampleModel(), { lang, width }));
  const b = renderEscPos(sampleModel(), { lang, width });
  console.log('escpos bytes', b.length);
}
writeFileSync('/tmp/r80zh.png', renderPng(sampleModel(), { lang: 'zh-CN', width: 80 }));
