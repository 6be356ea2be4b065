/**
 * A request target that is no valid URL reference, e.g. `GET //[` (an origin-form path starting
 * with `//`, which WHATWG URL reads as an authority with an invalid host), is the caller's
 * mistake: head office answers 400 `invalid_request` (CONTRACTS.md: a 4xx with a stable code for
 * anything the caller did wrong) and does not log it as an internal error (server.ts requestUrl).
 * Raw sockets, since fetch normalises such targets away.
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHq, type TestHq } from './test-helpers.js';

let t: TestHq;

beforeAll(async () => {
  t = await startHq();
});

afterAll(async () => {
  await t.close();
});

/** Sends raw HTTP/1.1 bytes (fetch normalises such targets away) and returns status and body. */
function rawRequest(target: string): Promise<{ status: number; body: string }> {
  const u = new URL(t.hq.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('utf8')));
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0);
      resolve({ status, body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('a request target that is no valid URL', () => {
  for (const target of ['//[', '//a:b@', '//:99999/x', '//%zz/']) {
    it(`answers GET ${target} with 400 invalid_request`, async () => {
      const r = await rawRequest(target);
      expect(r.status).toBe(400);
      const body = JSON.parse(r.body) as { error: { code: string } };
      expect(body.error.code).toBe('invalid_request');
    });
  }

  it('still routes a valid target that starts with two slashes', async () => {
    // `//v1/health` is a valid reference (host "v1"): its path is /health, no endpoint, so 404.
    const r = await rawRequest('//v1/health');
    expect(r.status).toBe(404);
  });

  it('does not log a malformed target as an internal error', async () => {
    await rawRequest('//[');
    const log = readFileSync(join(t.dataDir, 'headoffice.log'), 'utf8');
    expect(log).not.toContain('"event":"internal_error"');
  });
});
