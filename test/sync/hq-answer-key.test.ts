/**
 * Head office signs its answers with an Ed25519 key only it holds (core/sync/sign.ts); a till
 * verifies them with TILL_HQ_PUBLIC_KEY. Whoever holds a till's credential (the till's own
 * secret) can no longer forge head office's answers to that till: a feed page made up by such a
 * forger (an erasure of a member the till holds), signed with the old scheme (HMAC with the
 * till's secret) or with another Ed25519 key, is refused and nothing of it is applied; the
 * genuine answers are accepted. A till without TILL_HQ_PUBLIC_KEY does not sync at all.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HQ_SIGNATURE_HEADER, parseTillAuthorization, sha256Hex, signAnswer } from '../../core/sync/sign.js';
import { addTill, type IssuedTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import { ConfigError } from '../../main/service/config.js';
import { getMeta } from '../../main/service/identity.js';
import { createTill, type Till } from '../../main/service/till.js';
import { POS_KEY, testConfig } from '../helpers/till.js';

type Forge = 'hmac' | 'other-key' | null;
let forge: Forge = null;
let erase = '';
let hq: TestHq;
let proxy: Server;
let proxyUrl = '';
let issued: IssuedTill;
const root = mkdtempSync(join(tmpdir(), 'hq-answer-key-'));

/** A made-up feed page: the member is erased. */
function forgedPage(): string {
  return JSON.stringify({
    changes: [{ type: 'erasure', cursor: 999, memberNo: erase, erasedAt: new Date().toISOString() }],
    cursor: 999,
  });
}

beforeAll(async () => {
  hq = await startHq();
  issued = await addTill(hq.hq.store, 'store-k', 'till-k');
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestSig = parseTillAuthorization(req.headers.authorization)?.signature ?? '';
      if (forge && (req.url ?? '').startsWith('/v1/sync/changes')) {
        const body = forgedPage();
        const signature =
          forge === 'hmac'
            ? // The old scheme: anyone holding the till's secret could make this.
              createHmac('sha256', issued.secret)
                .update(`answer\n200\n${requestSig}\n${sha256Hex(body)}`)
                .digest('hex')
            : signAnswer(generateKeyPairSync('ed25519').privateKey, 200, requestSig, body);
        res.writeHead(200, { 'content-type': 'application/json', [HQ_SIGNATURE_HEADER]: signature });
        res.end(body);
        return;
      }
      const url = new URL(hq.hq.url);
      const up = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

async function till(name: string, hqPublicKey: string | null): Promise<Till> {
  const t = await createTill(
    testConfig(mkdtempSync(join(root, `${name}-`)), {
      hqUrl: proxyUrl,
      hqPublicKey,
      tillId: issued.tillId,
      storeId: issued.storeId,
      tillSecret: issued.secret,
      syncIntervalMs: 3_600_000,
    }),
    { quiet: true },
  );
  await t.sync?.stop();
  return t;
}

describe("head office's answers are signed with its own Ed25519 key", () => {
  it('a page forged with the till secret (old HMAC scheme) or another key is refused; the genuine one applies', async () => {
    const t = await till('a', hq.hq.publicKey);
    try {
      const res = await fetch(`${t.url}/v1/members`, {
        method: 'POST',
        headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: '钱七', phone: '13800007777', consent: { marketing: false, text: 'v1' } }),
      });
      erase = ((await res.json()) as { memberNo: string }).memberNo;
      expect(erase).toBeTruthy();

      for (const how of ['hmac', 'other-key'] as const) {
        forge = how;
        const s = await t.sync?.syncNow();
        expect(s?.problem?.code, how).toBe('hq_unreachable');
        expect(s?.problem?.message, how).toMatch(/not signed by head office/);
        expect(t.ctx.members.get(erase)?.erasedAt ?? null, how).toBeNull();
        expect(getMeta(t.ctx.db, 'hq_change_cursor') ?? '0', how).not.toBe('999');
      }

      forge = null;
      const s = await t.sync?.syncNow();
      expect(s?.problem ?? null).toBeNull();
      expect(s?.ackSeq).toBe(s?.headSeq);
      expect(Number(getMeta(t.ctx.db, 'hq_change_cursor'))).toBeGreaterThan(0);
      expect(t.ctx.members.get(erase)?.erasedAt ?? null).toBeNull();
    } finally {
      forge = null;
      await t.close();
    }
  });

  it('a till with TILL_HQ_URL but no TILL_HQ_PUBLIC_KEY sends nothing and says why on its status', async () => {
    const t = await till('b', null);
    try {
      const s = await t.sync?.syncNow();
      expect(s?.problem?.code).toBe('hq_key_missing');
      expect(s?.problem?.message).toMatch(/TILL_HQ_PUBLIC_KEY/);
      expect(s?.lastSyncAt ?? null).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('a malformed TILL_HQ_PUBLIC_KEY stops the till at start with a configuration error', async () => {
    await expect(till('c', 'not-a-key')).rejects.toThrow(/TILL_HQ_PUBLIC_KEY/);
    // A list (a rotation's overlap) is refused whole when any one item is not a key.
    for (const list of [`${hq.hq.publicKey},not-a-key`, `${hq.hq.publicKey},`]) {
      const start = till('d', list);
      await expect(start, list).rejects.toBeInstanceOf(ConfigError);
      await expect(start, list).rejects.toThrow(/^TILL_HQ_PUBLIC_KEY \(key 2 of 2\)/);
    }
  });
});
