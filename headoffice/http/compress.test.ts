/** http/compress.ts: which Accept-Encoding headers admit gzip. */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip, gzipped } from './compress.js';

describe('acceptsGzip', () => {
  it('admits what fetch sends, and gzip however it is written', () => {
    for (const h of [
      'gzip, deflate',
      'br, gzip, deflate',
      'GZIP',
      'deflate;q=1, gzip;q=0.5',
      'x-gzip',
      '*',
      ['br', 'gzip'],
    ]) {
      expect(acceptsGzip(h), String(h)).toBe(true);
    }
  });

  it('refuses nothing asked, another coding alone, and gzip or * at q=0', () => {
    for (const h of [undefined, '', 'identity', 'br', 'deflate', 'gzip;q=0', 'gzip; q=0.0', '*;q=0', 'gzip;q=0, *']) {
      expect(acceptsGzip(h), String(h)).toBe(false);
    }
  });
});

describe('gzipped', () => {
  it('gives back what it was given, inflated', async () => {
    const body = Buffer.from(
      JSON.stringify({ changes: Array.from({ length: 200 }, (_, i) => ({ cursor: i, 会员: '余额' })) }),
    );
    const z = await gzipped(body);
    expect(z).not.toBeNull();
    expect(gunzipSync(z as Buffer).equals(body)).toBe(true);
    expect((z as Buffer).length).toBeLessThan(body.length / 4);
  });
});
