/**
 * POST /v1/tills against a real server: only an admin may issue tills, each issued till's
 * secret is answered once and works for signed uploads, and an existing till is refused
 * without its credential changing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from './auth/operator.js';
import { OPERATOR_TOKEN, TillSim, at, operator, startHq, upload, type TestHq } from './test-helpers.js';

let t: TestHq;

beforeAll(async () => {
  t = await startHq();
});

afterAll(async () => {
  await t.close();
});

async function post(token: string | null, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${t.hq.url}/v1/tills`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('POST /v1/tills: bulk provisioning', () => {
  it('refuses a caller without a token (401) and a viewer (403), issuing nothing', async () => {
    const body = { tills: [{ storeId: 'S9', tillId: 'nobody' }] };
    expect((await post(null, body)).status).toBe(401);
    await t.hq.store.addOperator(
      { id: 'v1', role: 'viewer', tokenDigest: digest('viewer-token'), createdBy: 'test' },
      new Date(),
    );
    const viewer = await post('viewer-token', body);
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: { code: 'forbidden' } });
    expect(await t.hq.store.tillAuth('nobody')).toBeNull();
  });

  it('issues each till with a secret of its own, answered once, that signs uploads', async () => {
    const tills = Array.from({ length: 50 }, (_, i) => ({ storeId: `S${i % 5}`, tillId: `bulk-${i}` }));
    const r = await post(OPERATOR_TOKEN, { tills });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ issued: 50, refused: 0 });
    const answered = r.body.tills as { tillId: string; storeId: string; status: string; secret: string }[];
    expect(answered.map((a) => a.tillId)).toEqual(tills.map((x) => x.tillId));
    expect(new Set(answered.map((a) => a.secret)).size).toBe(50);
    for (const a of answered) expect(a.secret).toMatch(/^[0-9a-f]{64}$/);
    // What a till needs beside its secret to trust head office's answers: the same key add-till prints.
    expect(r.body.hqPublicKey).toBe(t.hq.publicKey);

    const first = answered[0] as (typeof answered)[number];
    const sim = new TillSim(first.tillId, first.storeId, first.secret);
    sim.enrol('M-bulk-1', at(0));
    expect((await upload(t, sim, sim.batch(1))).status).toBe(200);
    // The listing never shows a secret again.
    const listed = await operator(t, 'GET', '/v1/tills');
    expect(JSON.stringify(listed.body)).not.toContain(first.secret);
  });

  it('refuses an existing till (and a reserved or bad id) per till, leaving its credential alone', async () => {
    const r = await post(OPERATOR_TOKEN, {
      tills: [
        { storeId: 'S0', tillId: 'bulk-0' },
        { storeId: 'S7', tillId: 'fresh-1' },
        { storeId: 'hq', tillId: 'x-1' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      issued: 1,
      refused: 2,
      tills: [
        { tillId: 'bulk-0', status: 'refused', code: 'till_exists' },
        { tillId: 'fresh-1', status: 'issued' },
        { tillId: 'x-1', status: 'refused', code: 'bad_id' },
      ],
    });
    expect(JSON.stringify((r.body.tills as unknown[])[0])).not.toContain('secret');
    const bad = await post(OPERATOR_TOKEN, { tills: [{ storeId: 'S0', tillId: 'has space' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
