/**
 * The POS API reads bodies as UTF-8 only (core/json-text.ts utf8Text): bytes that are not UTF-8
 * (GBK from a Chinese POS, garbage) are 400 malformed_json, and a charset other than UTF-8 is 415
 * unsupported_media_type; nothing is recorded. Before, they were decoded with replacement, so a
 * GBK name was enrolled as U+FFFD characters and uploaded so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POS_KEY, startTill, type TestTill } from './helpers/till.js';

let t: TestTill;
beforeEach(async () => {
  t = await startTill();
});
afterEach(async () => {
  await t.close();
});

const members = (): number => (t.ctx.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;

/** `{"name":"张三",...}` with the name in GBK (张 D5 C5, 三 C8 FD): not UTF-8. */
function gbkEnrolBody(): Buffer {
  return Buffer.concat([
    Buffer.from('{"name":"', 'latin1'),
    Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
    Buffer.from('","phone":"13900004444","consent":{"marketing":false,"text":"v1"}}', 'latin1'),
  ]);
}

describe('a request body that is not UTF-8', () => {
  for (const contentType of ['application/json', 'application/json; charset=gbk']) {
    it(`is refused with a typed error, not stored as U+FFFD (${contentType})`, async () => {
      const before = members();
      const r = await t.raw('/v1/members', {
        method: 'POST',
        headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': contentType },
        body: new Uint8Array(gbkEnrolBody()),
      });
      expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(['malformed_json', 'unsupported_media_type']).toContain(r.body?.error?.code);
      expect(members()).toBe(before);
    });
  }

  it('garbage bytes inside a sale line are refused too', async () => {
    const body = Buffer.concat([
      Buffer.from('{"saleId":"G-1","lines":[{"sku":"', 'latin1'),
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from('","category":"general","quantity":1,"unitPrice":100}]}', 'latin1'),
    ]);
    const r = await t.raw('/v1/sales', {
      method: 'POST',
      headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
      body: new Uint8Array(body),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body?.error?.code).toBe('malformed_json');
    expect(t.ctx.sales.sale('G-1')).toBeFalsy();
  });
});
