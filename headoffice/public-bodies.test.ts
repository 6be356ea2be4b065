/**
 * The member page's and the survey's public endpoints read small bodies only (SECURITY.md, "the
 * network"; http/small-body.ts), against a real server on 127.0.0.1 on SQLite and PostgreSQL:
 * a Content-Length beyond PUBLIC_BODY_BYTES is 413 before the body is sent, a chunked body
 * growing past it is cut with a 413, gzip is refused (415), and a client holds at most
 * DEFAULT_BODIES_PER_CLIENT bodies in flight (429 `too_many_bodies`) here as at the till routes.
 * An honest request is answered as before.
 */
import { request, type ClientRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BODIES_PER_CLIENT } from './http/gate.js';
import { PUBLIC_BODY_BYTES } from './http/small-body.js';
import { useOneTillHq, type TestHq } from './test-helpers.js';

let t: TestHq;
useOneTillHq('A', (x) => ({ t } = x));

const PUBLIC_POSTS = ['/v1/me/otp', '/v1/me/session', '/v1/me/survey'];

interface Open {
  req: ClientRequest;
  /** the answer's status and body, or 'timeout' when none came within 3 s */
  answer: Promise<{ status: number; body: string } | 'timeout'>;
}

/** Starts a POST with these headers, sends `first` and waits (at most 3 s) for an answer. */
function open(path: string, headers: Record<string, string>, first: Buffer): Open {
  const u = new URL(t.hq.url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
  });
  req.on('error', () => undefined);
  req.write(first);
  const answer = new Promise<{ status: number; body: string } | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 3000);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', () => undefined);
    });
  });
  return { req, answer };
}

describe('public bodies', () => {
  it.each(PUBLIC_POSTS)('%s answers 413 to a 10 MB Content-Length before the body is sent', async (path) => {
    const o = open(path, { 'content-length': String(10 * 1024 * 1024) }, Buffer.alloc(1024, 0x20));
    const a = await o.answer;
    o.req.destroy();
    expect(a).not.toBe('timeout');
    expect(a).toMatchObject({ status: 413 });
    expect(JSON.parse((a as { body: string }).body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('cuts a chunked body growing past the limit with a 413', async () => {
    const o = open('/v1/me/otp', { 'transfer-encoding': 'chunked' }, Buffer.alloc(PUBLIC_BODY_BYTES + 1024, 0x20));
    const a = await o.answer;
    o.req.destroy();
    expect(a).toMatchObject({ status: 413 });
  });

  it('refuses a gzip body (415): nothing is inflated for a stranger', async () => {
    const body = gzipSync(JSON.stringify({ phone: '13800000000' }));
    const o = open('/v1/me/otp', { 'content-encoding': 'gzip', 'content-length': String(body.length) }, body);
    o.req.end();
    const a = await o.answer;
    expect(a).toMatchObject({ status: 415 });
  });

  it('holds at most the per-address number of bodies in flight (429 too_many_bodies), then frees them', async () => {
    const slow = Array.from({ length: DEFAULT_BODIES_PER_CLIENT }, (_, i) =>
      open(PUBLIC_POSTS[i % PUBLIC_POSTS.length] ?? '', { 'content-length': '1000' }, Buffer.from('{')),
    );
    // Every slow body has reached head office before the next arrives.
    await new Promise((r) => setTimeout(r, 300));
    const extra = open('/v1/me/otp', { 'content-length': '1000' }, Buffer.from('{'));
    const a = await extra.answer;
    expect(a).toMatchObject({ status: 429 });
    expect(JSON.parse((a as { body: string }).body)).toMatchObject({ error: { code: 'too_many_bodies' } });
    for (const o of [...slow, extra]) o.req.destroy();
    // Hung-up bodies give their places back: an honest request goes through.
    await new Promise((r) => setTimeout(r, 300));
    const ok = await fetch(`${t.hq.url}/v1/me/otp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '13800000000' }),
    });
    expect(ok.status).toBe(202);
  });

  it('answers an honest survey body that fits as before (a bad token, not a body refusal)', async () => {
    const r = await fetch(`${t.hq.url}/v1/me/survey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x'.repeat(40), score: 9, comment: '很好'.repeat(250) }),
    });
    expect([400, 404, 410, 422]).toContain(r.status);
    const body = (await r.json()) as { error: { code: string } };
    expect(['payload_too_large', 'too_many_bodies']).not.toContain(body.error.code);
  });
});
