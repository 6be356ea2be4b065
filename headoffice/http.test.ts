/** Bad input over real HTTP: always a typed 4xx, never a 5xx. */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, SYNC_PATHS } from '../core/sync/protocol.js';
import { signRequest } from '../core/sync/sign.js';
import { at, operator, provision, rowCounts, startHq, upload, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

beforeAll(async () => {
  t = await startHq();
  A = await provision(t, 'S1', 'A');
});

afterAll(async () => {
  await t.close();
});

async function post(wire: Buffer, headers: Record<string, string> = {}, sign = true) {
  const res = await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, {
    method: 'POST',
    headers: { ...(sign ? signRequest(A, 'POST', SYNC_PATHS.batches, wire, Date.now()) : {}), ...headers },
    body: new Uint8Array(wire),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { error: { code: string; field?: string } }) : null };
}

describe('malformed uploads', () => {
  it('answers malformed JSON with 400', async () => {
    const r = await post(Buffer.from('{"tillId": "A",'));
    expect(r.status).toBe(400);
    expect(r.body?.error.code).toBe('malformed_json');
    expect((await post(gzipSync('not json'), { 'content-encoding': 'gzip' })).body?.error.code).toBe('malformed_json');
  });

  it('answers a body that is not gzip with 400', async () => {
    const r = await post(Buffer.from('definitely not gzip'), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(r.body?.error.code).toBe('bad_gzip');
    const truncated = gzipSync(JSON.stringify({ a: 'x'.repeat(1000) })).subarray(0, 30);
    expect((await post(truncated, { 'content-encoding': 'gzip' })).body?.error.code).toBe('bad_gzip');
  });

  it('refuses encodings other than gzip with 415', async () => {
    expect((await post(Buffer.from('{}'), { 'content-encoding': 'br' })).status).toBe(415);
  });

  it('answers wrong types with 400 naming the field', async () => {
    A.enrol('M1', at(0));
    const b = A.batch(1);
    const r = await upload(t, A, { ...b, entries: [{ ...b.entries[0], points: '12' }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_batch', field: 'entries.0.points' });
    const extra = await upload(t, A, { ...b, entries: [{ ...b.entries[0], bonus: 1 }] });
    expect(extra.status).toBe(400);
    const count = await upload(t, A, { ...b, lastSeq: 2 });
    expect(count.body.error.field).toBe('entries');
    expect((await upload(t, A, [1, 2, 3])).status).toBe(400);
    expect((await upload(t, A, null)).status).toBe(400);
  });

  it('answers an empty body with 400', async () => {
    expect((await post(Buffer.alloc(0))).body?.error.code).toBe('malformed_json');
  });

  it('answers a body over 20 MB with 413, on the wire and after gunzip', async () => {
    // From a known till: a stranger's body is refused (401) before it is read (frontdoor.test.ts).
    const big = await post(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20));
    expect(big.status).toBe(413);
    expect(big.body?.error.code).toBe('payload_too_large');
    const bomb = gzipSync(Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const r = await post(bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
  });

  it('never answers arbitrary signed JSON with a 5xx', async () => {
    A.enrol('M2', at(1));
    const valid = A.batch(1);
    const arbBatch = fc.record(
      {
        tillId: fc.oneof(fc.constant('A'), fc.string()),
        storeId: fc.oneof(fc.constant('S1'), fc.string()),
        firstSeq: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double()),
        lastSeq: fc.integer({ min: -2, max: 5 }),
        prevHash: fc.oneof(fc.constant(valid.prevHash), fc.string()),
        entries: fc.oneof(fc.constant(valid.entries), fc.array(fc.jsonValue(), { maxLength: 3 })),
        members: fc.oneof(fc.constant(valid.members), fc.array(fc.jsonValue(), { maxLength: 2 })),
        sales: fc.array(fc.jsonValue(), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(arbBatch, fc.jsonValue()), async (body) => {
        const r = await upload(t, A, body);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await rowCounts(t)).ledger).toBeLessThanOrEqual(A.headSeq);
  });
});

describe('routing and auth', () => {
  it('serves health without auth', async () => {
    const r = await fetch(`${t.hq.url}/v1/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, version: expect.any(String) });
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const r = await fetch(`${t.hq.url}/v2/nothing`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${t.hq.url}/v1/tills`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${t.hq.url}/v1/members/%E0%A4%A`)).status).toBe(404);
  });

  it('guards operator endpoints with the bearer token', async () => {
    for (const path of ['/v1/tills', '/v1/reports/summary', '/v1/members/M1']) {
      expect((await fetch(`${t.hq.url}${path}`)).status).toBe(401);
      const wrong = await fetch(`${t.hq.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    }
    expect((await operator(t, 'GET', '/v1/tills')).status).toBe(200);
  });

  it('does not accept the operator token on sync endpoints', async () => {
    const res = await fetch(`${t.hq.url}${SYNC_PATHS.changes}`, {
      headers: { authorization: 'Bearer test-operator-token' },
    });
    expect(res.status).toBe(401);
  });

  it('answers a malformed rule-set body with 400', async () => {
    const r = await operator(t, 'POST', '/v1/rulesets', '{"version":');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('malformed_json');
  });
});
