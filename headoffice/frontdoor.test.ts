/**
 * Head office's front door (issue 11, finding 6), against a real server on 127.0.0.1: no body
 * is read before the request names a known till in time; a client can have only a few bodies in
 * flight; a signed request is good once; and only a known till's failed signature is counted.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { signRequest } from '../core/sync/sign.js';
import { DEFAULT_BODIES_PER_CLIENT } from './http/gate.js';
import { at, operator, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;

useOneTillHq('T1', (x) => {
  ({ t, till } = x);
});

const BIG = 20 * 1024 * 1024;

interface Open {
  /** the answer's status, or 'timeout' when none came while the body was still unsent */
  status: Promise<number | 'timeout'>;
  end(): void;
}

/** Starts a POST announcing a 20 MB body, sends 1 KB of it and waits (at most 3 s) for an answer. */
function openUpload(headers: Record<string, string>): Open {
  const u = new URL(t.hq.url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path: SYNC_PATHS.batches,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(BIG) },
  });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(1024, 0x20));
  const status = new Promise<number | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 3000);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      resolve(res.statusCode ?? 0);
    });
  });
  return { status, end: () => req.destroy() };
}

const signedHeaders = (): Record<string, string> =>
  signRequest(till, 'POST', SYNC_PATHS.batches, Buffer.alloc(0), Date.now());

async function tillRow(): Promise<{ badSignatures: number }> {
  return (await operator(t, 'GET', '/v1/tills')).body.tills[0];
}

describe('front door (finding 6)', () => {
  it('answers 401 before reading the body of an unauthenticated or unknown-till upload', async () => {
    const none = openUpload({});
    expect(await none.status).toBe(401);
    none.end();
    const stranger = openUpload(
      signRequest({ tillId: 'NOPE', secret: 'x' }, 'POST', SYNC_PATHS.batches, '', Date.now()),
    );
    expect(await stranger.status).toBe(401);
    stranger.end();
    const skewed = openUpload(signRequest(till, 'POST', SYNC_PATHS.batches, '', Date.now() - 3_600_000));
    expect(await skewed.status).toBe(401);
    skewed.end();
    // None of these named a known till with a failed signature: nothing is counted.
    expect((await tillRow()).badSignatures).toBe(0);
  });

  it('reads at most a few bodies at once per client: the next one is 429 at once', async () => {
    const open = Array.from({ length: DEFAULT_BODIES_PER_CLIENT }, () => openUpload(signedHeaders()));
    // Let the first ones reach the body stage.
    await new Promise((r) => setTimeout(r, 200));
    const extra = openUpload(signedHeaders());
    expect(await extra.status).toBe(429);
    extra.end();
    for (const o of open) o.end();
    // Released when those connections end: an honest upload goes through again.
    await new Promise((r) => setTimeout(r, 200));
    till.enrol('M1', at(0));
    const wire = gzipSync(Buffer.from(JSON.stringify(till.batch(1))));
    const headers = {
      ...signRequest(till, 'POST', SYNC_PATHS.batches, wire, Date.now()),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    };
    const ok = await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, { method: 'POST', headers, body: new Uint8Array(wire) });
    expect(ok.status).toBe(200);
  });

  it('refuses the same signed batch or feed request a second time (409 replayed), uncounted', async () => {
    till.enrol('M1', at(0));
    const wire = gzipSync(Buffer.from(JSON.stringify(till.batch(1))));
    const headers = {
      ...signRequest(till, 'POST', SYNC_PATHS.batches, wire, Date.now()),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    };
    const send = () =>
      fetch(`${t.hq.url}${SYNC_PATHS.batches}`, { method: 'POST', headers, body: new Uint8Array(wire) });
    expect((await send()).status).toBe(200);
    const again = await send();
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('replayed');

    const path = `${SYNC_PATHS.changes}?after=0&limit=10`;
    const feedHeaders = signRequest(till, 'GET', path, '', Date.now());
    expect((await fetch(`${t.hq.url}${path}`, { headers: feedHeaders })).status).toBe(200);
    expect((await fetch(`${t.hq.url}${path}`, { headers: feedHeaders })).status).toBe(409);
    expect((await tillRow()).badSignatures).toBe(0);
  });

  it('counts a failed signature against the known till it names', async () => {
    const forged = signRequest(
      { tillId: till.tillId, secret: 'not-the-secret' },
      'POST',
      SYNC_PATHS.batches,
      '{}',
      Date.now(),
    );
    const r = await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, {
      method: 'POST',
      headers: { ...forged, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(401);
    expect((await tillRow()).badSignatures).toBe(1);
  });
});
