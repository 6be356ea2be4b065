/**
 * The sync client's signing time (main/sync/client.ts nextTimestamp): strictly increasing, but
 * back to the clock once the clock is put back by more than a minute. Before, a clock that was a
 * day ahead for one request kept every later request a day ahead (+1 ms each), and head office
 * answered 401 clock_skew until real time caught up or the till restarted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_BACK_MS, HqClient, nextTimestamp } from './client.js';

const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on('end', () => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"clock_skew","message":"x"}}');
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('request timestamps follow the corrected clock', () => {
  it('after the clock is put back from a day ahead, the next request is signed with the real time', async () => {
    const real = Date.parse('2025-03-05T02:00:00Z');
    let now = real + 86_400_000; // the clock is a day ahead for a moment
    const client = new HqClient(
      url,
      { tillId: 't', secret: 's', hqPublicKeys: [generateKeyPairSync('ed25519').publicKey] },
      () => now,
    );
    await client.get('/v1/sync/changes?after=0');
    now = real + 1_000; // NTP puts it right
    await client.get('/v1/sync/changes?after=0');
    const ts = Number(seen[1]?.['x-till-timestamp']);
    // head office accepts a timestamp within 5 minutes of its own clock (headoffice/README.md)
    expect(Math.abs(ts - now)).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe('nextTimestamp', () => {
  it('keeps strictly increasing within a minute back, and follows the clock past it', () => {
    expect(nextTimestamp(1_000, 1_000)).toBe(1_001);
    expect(nextTimestamp(1_000, 1_000 + CLOCK_BACK_MS)).toBe(1_001 + CLOCK_BACK_MS);
    expect(nextTimestamp(1_000, 1_001 + CLOCK_BACK_MS)).toBe(1_000);
    expect(nextTimestamp(5_000, 1_000)).toBe(5_000);
  });
});
