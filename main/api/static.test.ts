/** The built UI served at `/`: CSP header, SPA fallback, no way out of the folder. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POS_KEY, startTill, testConfig, type TestTill } from '../../test/helpers/till.js';
import { createTill, type Till } from '../service/till.js';
import { CONTENT_SECURITY_POLICY, resolveInside } from './static.js';

let outside: string;
let ui: string;
let till: Till;

/** A raw request so the path reaches the server exactly as written (fetch would normalise `..`). */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(till.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  outside = mkdtempSync(join(tmpdir(), 'till-static-'));
  ui = join(outside, 'dist');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>till</title>');
  writeFileSync(join(ui, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(ui, 'link.txt'));
  till = await createTill(testConfig(join(outside, 'data'), { uiDir: ui }), { quiet: true });
});

afterAll(async () => {
  await till?.close();
  rmSync(outside, { recursive: true, force: true });
});

describe('static UI', () => {
  it('serves index.html at / with the CSP and no-cache', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>till</title>');
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it('serves hashed assets for a long time and falls back to index.html for UI routes', async () => {
    const a = await get('/assets/app-1234.js');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/javascript/);
    expect(a.headers['cache-control']).toMatch(/immutable/);
    const spa = await get('/checkout/member');
    expect(spa.status).toBe(200);
    expect(spa.body).toContain('<title>till</title>');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/', 'HEAD')).status).toBe(200);
    expect((await get('/', 'POST')).status).toBe(405);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%5c%2e%2e%5csecret.txt',
    '/..%00/secret.txt',
    '/link.txt',
    '/%E0%A4%A',
  ])('does not leave the folder: %s', async (path) => {
    const r = await get(path);
    // 400 for a %-escape that does not decode (malformed_path, answered before the UI is reached)
    expect(r.status === 404 || r.status === 400 || r.body.includes('<title>till</title>')).toBe(true);
    expect(r.body).not.toContain('secret');
  });

  it('keeps the API behind its auth', async () => {
    expect((await get('/v1/health')).status).toBe(401);
    const ok = await fetch(`${till.url}/v1/health`, { headers: { authorization: `Bearer ${POS_KEY}` } });
    expect(ok.status).toBe(200);
  });

  it('resolveInside refuses what escapes', () => {
    expect(resolveInside('/srv/ui', '/a/b.js')).toBe('/srv/ui/a/b.js');
    expect(resolveInside('/srv/ui', '/a/../../x')).toBeNull();
    expect(resolveInside('/srv/ui', '/%2e%2e/x')).toBeNull();
    expect(resolveInside('/srv/ui', '/a%5c..%5cx')).toBeNull();
    expect(resolveInside('/srv/ui', '/a%00')).toBeNull();
  });
});

describe('without a built UI', () => {
  let t: TestTill;
  beforeAll(async () => {
    t = await startTill();
  });
  afterAll(async () => {
    await t?.close();
  });
  it('a till configured without a UI folder answers 404 at /', async () => {
    expect((await t.get('/')).status).toBe(404);
  });
});
