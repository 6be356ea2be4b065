/**
 * Feed pages gzipped on the wire (http/compress.ts), on either store: a page large enough goes
 * gzipped to a till that accepts it, signed over its JSON, and inflates to the very page a till
 * that does not accept gzip gets; a small page goes as it is; the metrics count both forms.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import {
  HQ_SIGNATURE_HEADER,
  parseHqPublicKey,
  parseTillAuthorization,
  signRequest,
  verifyAnswer,
} from '../core/sync/sign.js';
import { FEED_GZIP_MIN_BYTES } from './http/compress.js';
import { at, feedPageBytes, provision, startHq, uploadAll, type TestHq, type TillSim } from './test-helpers.js';

const METRICS = 'metrics-token-feed-gzip';
let t: TestHq;
let A: TillSim;

interface Wire {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  requestSig: string;
}

/** GET a feed page as raw bytes off the socket (fetch would inflate it unasked). */
function feedPage(after: number, acceptEncoding?: string): Promise<Wire> {
  const path = `${SYNC_PATHS.changes}?after=${after}&limit=1000`;
  const auth = signRequest(A, 'GET', path, '', Date.now());
  const url = new URL(t.hq.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { ...auth, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes: Buffer.concat(chunks),
            requestSig: parseTillAuthorization(auth.authorization)?.signature ?? '',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function outline(page: Buffer): { cursor: number; changes: string[] } {
  const p = JSON.parse(page.toString('utf8')) as { cursor: number; changes: { cursor: number; type: string }[] };
  return { cursor: p.cursor, changes: p.changes.map((c) => `${c.cursor} ${c.type}`) };
}

function signed(w: Wire, json: Buffer): boolean {
  return verifyAnswer(
    parseHqPublicKey(t.hq.publicKey),
    w.status,
    w.requestSig,
    json,
    w.headers[HQ_SIGNATURE_HEADER] as string,
  );
}

beforeAll(async () => {
  t = await startHq({ metricsToken: METRICS });
  A = await provision(t, 'S1', 'A');
  for (let i = 0; i < 200; i++) {
    const m = `G${String(i).padStart(5, '0')}`;
    A.enrol(m, at(0));
    A.sale(m, 10_000 + i * 37, at(1));
  }
  await uploadAll(t, A, 100);
  await t.hq.store.settle();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('feed pages gzipped on the wire', () => {
  it('sends a large page gzipped to a till that accepts gzip, signed over the JSON it inflates to', async () => {
    const plain = await feedPage(0);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.bytes.length).toBeGreaterThan(FEED_GZIP_MIN_BYTES);
    expect(signed(plain, plain.bytes)).toBe(true);

    const zipped = await feedPage(0, 'gzip, deflate');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.bytes.length);
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 2);
    const inflated = gunzipSync(zipped.bytes);
    // The same page: members' personal fields are sealed afresh for each answer (a new nonce), so
    // compared by length and by every change's cursor and type.
    expect(inflated.length).toBe(plain.bytes.length);
    expect(outline(inflated)).toEqual(outline(plain.bytes));
    expect(signed(zipped, inflated)).toBe(true);
    // The signature is the page's, not the gzip's: a till must verify what it inflated.
    expect(signed(zipped, zipped.bytes)).toBe(false);
  });

  it('sends a small page, or one to a till that refuses gzip, as it is', async () => {
    const all = JSON.parse((await feedPage(0)).bytes.toString('utf8')) as { cursor: number };
    const small = await feedPage(all.cursor - 1, 'gzip');
    expect(small.bytes.length).toBeLessThan(FEED_GZIP_MIN_BYTES);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(signed(small, small.bytes)).toBe(true);
    expect((await feedPage(0, 'gzip;q=0')).headers['content-encoding']).toBeUndefined();
  });

  it("reaches a till's fetch inflated and verifiable, as the till's sync client reads it", async () => {
    const path = `${SYNC_PATHS.changes}?after=0&limit=1000`;
    const auth = signRequest(A, 'GET', path, '', Date.now());
    const res = await fetch(`${t.hq.url}${path}`, { headers: auth });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const requestSig = parseTillAuthorization(auth.authorization)?.signature ?? '';
    expect(
      verifyAnswer(
        parseHqPublicKey(t.hq.publicKey),
        res.status,
        requestSig,
        bytes,
        res.headers.get(HQ_SIGNATURE_HEADER),
      ),
    ).toBe(true);
    expect((JSON.parse(bytes.toString('utf8')) as { changes: unknown[] }).changes.length).toBeGreaterThan(200);
  });

  it('sends every page as it is with HQ_FEED_GZIP=off', async () => {
    const off = await t.another({ feedGzip: false });
    try {
      const path = `${SYNC_PATHS.changes}?after=0&limit=1000`;
      const res = await fetch(`${off.url}${path}`, { headers: signRequest(A, 'GET', path, '', Date.now()) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBeNull();
    } finally {
      await off.close();
    }
  });

  it('counts the pages as JSON and as sent', async () => {
    const before = await feedPageBytes(t, METRICS);
    const plain = await feedPage(0);
    const zipped = await feedPage(0, 'gzip');
    const after = await feedPageBytes(t, METRICS);
    expect(after.json - before.json).toBe(2 * plain.bytes.length);
    expect(after.sent - before.sent).toBe(plain.bytes.length + zipped.bytes.length);
  });
});
