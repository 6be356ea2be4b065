/** Batch upload against a real head office: merging, idempotency, sequence and chain checks, auth. */
import { describe, expect, it } from 'vitest';
import { signEntry } from '../core/ledger/hash.js';
import type { LedgerEntry } from '../core/ledger/entry.js';
import {
  at,
  ledgerSum,
  operator,
  rowCounts,
  upload,
  uploadAll,
  type TestHq,
  type TillSim,
  useTwoTillHq,
} from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

/** A small shared history: members enrolled at both tills, sales and redemptions across them. */
function history(): void {
  A.enrol('M1', at(0));
  A.sale('M1', 12_345, at(1));
  A.bonus('M1', 50, at(2));
  B.sale('M1', 5_000, at(3));
  A.enrol('M2', at(4));
  B.enrol('M3', at(5));
  B.sale('M2', 80_000, at(6));
  A.sale('M3', 999, at(7));
  B.redeem('M1', 100, at(8));
  A.sale('M1', 20_000, at(9), { redeem: 100 });
}

async function till(id: string) {
  const r = await operator(t, 'GET', '/v1/tills');
  return r.body.tills.find((x: { tillId: string }) => x.tillId === id);
}

describe('merging two tills', () => {
  it('gives every member the sum of both ledgers', async () => {
    history();
    await uploadAll(t, A, 2);
    await uploadAll(t, B, 3);
    for (const m of ['M1', 'M2', 'M3']) {
      const r = await operator(t, 'GET', `/v1/members/${m}`);
      expect(r.status).toBe(200);
      const sum = ledgerSum([A, B], m);
      expect(r.body.ledgerBalance).toBe(sum);
      expect(r.body.balance).toBe(sum);
      const mine = [...A.entries, ...B.entries].filter((e) => e.memberNo === m);
      expect(r.body.ledger).toHaveLength(mine.length);
    }
    expect(ledgerSum([A, B], 'M1')).toBeGreaterThan(0);
    const a = await till('A');
    expect(a).toMatchObject({ storeId: 'S1', ackSeq: A.headSeq, chainStatus: 'ok', badSignatures: 0, mismatches: 0 });
    expect(a.lastUploadAt).not.toBeNull();
    expect((await rowCounts(t)).ledger).toBe(A.headSeq + B.headSeq);
  });

  it('answers a repeated batch with duplicate and changes nothing', async () => {
    history();
    const [first] = A.batches(4);
    const r1 = await upload(t, A, first);
    expect(r1.body).toMatchObject({ status: 'applied', ackSeq: 4, headHash: A.entries[3]?.hash });
    const before = await rowCounts(t);
    const r2 = await upload(t, A, first);
    expect(r2.status).toBe(200);
    expect(r2.body).toEqual({ status: 'duplicate', ackSeq: 4, headHash: A.entries[3]?.hash });
    expect(await rowCounts(t)).toEqual(before);
  });

  it('refuses a batch after a hole with 409 and the seq to resend from', async () => {
    history();
    const r = await upload(t, A, A.batch(3, 5));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: { code: 'sequence_gap' }, expectedSeq: 1 });
    expect((await rowCounts(t)).ledger).toBe(0);
  });

  it('applies only the new tail of an overlapping batch', async () => {
    history();
    await upload(t, A, A.batch(1, 3));
    const r = await upload(t, A, A.batch(2, A.headSeq));
    expect(r.body).toMatchObject({ status: 'applied', ackSeq: A.headSeq });
    expect((await rowCounts(t)).ledger).toBe(A.headSeq);
    const again = await upload(t, A, A.batch(1, A.headSeq));
    expect(again.body.status).toBe('duplicate');
  });

  it('converges when batches are replayed out of order', async () => {
    history();
    const [b1, b2, b3] = A.batches(2);
    expect((await upload(t, A, b3)).body.expectedSeq).toBe(1);
    expect((await upload(t, A, b2)).body.expectedSeq).toBe(1);
    expect((await upload(t, A, b1)).body.status).toBe('applied');
    expect((await upload(t, A, b3)).body.expectedSeq).toBe(3);
    expect((await upload(t, A, b2)).body.status).toBe('applied');
    expect((await upload(t, A, b1)).body.status).toBe('duplicate');
    await uploadAll(t, A, 2);
    const r = await operator(t, 'GET', '/v1/members/M1');
    expect(r.body.ledgerBalance).toBe(ledgerSum([A], 'M1'));
  });

  it('accepts a batch of records only (no entries) and says duplicate when it changes nothing', async () => {
    history();
    await uploadAll(t, A, 100);
    const m = A.batch(1).members?.[0];
    if (!m) throw new Error('M1 was enrolled in batch 1');
    const blocked = {
      ...m,
      cards: [{ code: 'M1', kind: 'barcode' as const, status: 'blocked' as const, staffId: 'staff-1' }],
    };
    const empty = { ...A.batch(A.headSeq + 1, A.headSeq), members: [blocked] };
    expect((await upload(t, A, empty)).body).toMatchObject({ status: 'applied', ackSeq: A.headSeq });
    expect((await upload(t, A, empty)).body.status).toBe('duplicate');
    const member = await operator(t, 'GET', '/v1/members/M1');
    expect(member.body.cards).toEqual([{ code: 'M1', kind: 'barcode', status: 'blocked' }]);
  });
});

describe('tamper evidence', () => {
  it('refuses an entry whose points changed without a new hash and flags the till', async () => {
    history();
    const b = A.batch(1);
    const forged = b.entries.map((e, i) => (i === 1 ? { ...e, points: e.points + 1000 } : e));
    const r = await upload(t, A, { ...b, entries: forged });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('chain_broken');
    expect((await rowCounts(t)).ledger).toBe(0);
    const a = await till('A');
    expect(a.chainStatus).toBe('broken');
    expect(a.chainError).toContain('seq 2');
    // The flag stays for review, but an honest batch is still taken.
    expect((await upload(t, A, b)).body.status).toBe('applied');
    expect((await till('A')).chainStatus).toBe('broken');
  });

  it('refuses an entry re-hashed after the change, because the next prevHash no longer links', async () => {
    history();
    const b = A.batch(1);
    const forged = b.entries.map((e, i) => {
      if (i !== 1) return e;
      const { hash: _hash, ...rest } = e;
      return signEntry({ ...rest, points: e.points + 1000 });
    });
    const r = await upload(t, A, { ...b, entries: forged });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ error: { code: 'chain_broken' }, seq: 3 });
    expect((await till('A')).chainStatus).toBe('broken');
  });

  it('refuses a consistently rewritten history that differs from what head office already holds', async () => {
    history();
    await uploadAll(t, A, 100);
    const rewritten: LedgerEntry[] = [];
    for (const e of A.entries) {
      const { hash: _hash, ...rest } = e;
      const prevHash = rewritten[rewritten.length - 1]?.hash ?? e.prevHash;
      rewritten.push(signEntry({ ...rest, prevHash, points: e.seq === 2 ? e.points + 1 : e.points }));
    }
    const r = await upload(t, A, { ...A.batch(1), entries: rewritten });
    expect(r.status).toBe(422);
    expect(r.body.seq).toBe(2);
    expect((await till('A')).chainStatus).toBe('broken');
  });

  it('refuses a batch whose declared prevHash is not the stored hash', async () => {
    history();
    await upload(t, A, A.batch(1, 3));
    const b = A.batch(4);
    const r = await upload(t, A, { ...b, prevHash: 'f'.repeat(64) });
    expect(r.status).toBe(422);
  });
});

describe('till authentication', () => {
  it("refuses a batch signed with another till's secret and counts it against the claimed till", async () => {
    history();
    const r = await upload(t, { tillId: 'A', secret: B.secret }, A.batch(1));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    expect((await rowCounts(t)).ledger).toBe(0);
    expect((await till('A')).badSignatures).toBe(1);
    expect((await till('B')).badSignatures).toBe(0);
  });

  it('refuses a till uploading in the name of another till', async () => {
    history();
    const r = await upload(t, B, A.batch(1));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('till_mismatch');
  });

  it('refuses a till claiming another store', async () => {
    history();
    const r = await upload(t, A, { ...A.batch(1), storeId: 'S2' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('store_mismatch');
  });

  it('refuses a timestamp more than five minutes off', async () => {
    history();
    const r = await upload(t, A, A.batch(1), { nowMs: Date.now() - 6 * 60 * 1000 });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('clock_skew');
    expect(r.body.serverTime).toEqual(expect.any(String));
  });

  it('refuses an unknown till', async () => {
    history();
    const r = await upload(t, { tillId: 'Z', secret: A.secret }, { ...A.batch(1), tillId: 'Z' });
    expect(r.status).toBe(401);
  });

  it('refuses a body altered after signing', async () => {
    history();
    const b = A.batch(1);
    const { gzipSync } = await import('node:zlib');
    const signedFor = gzipSync(JSON.stringify(b));
    const res = await fetch(`${t.hq.url}/v1/sync/batches`, {
      method: 'POST',
      headers: {
        ...(await import('../core/sync/sign.js')).signRequest(A, 'POST', '/v1/sync/batches', signedFor, Date.now()),
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ ...b, lastSeq: 1, entries: b.entries.slice(0, 1) })),
    });
    expect(res.status).toBe(401);
  });
});
