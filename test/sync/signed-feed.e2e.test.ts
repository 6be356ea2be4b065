/**
 * Issue 11, item 6: head office signs its answers to a till (core/sync/sign.ts answerSignature)
 * and the till applies nothing it cannot verify. A man in the middle (a plain-HTTP proxy between
 * an in-process till and a head-office process) that blocks a member's card in the change feed,
 * or replays an old answer, changes nothing at the till; passing answers through, sync works.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Till } from '../../main/service/till.js';
import { inProcessTill, tillPost, useHqProcess } from './procs.js';

const f = useHqProcess('sync-signed-feed', 'operator-token-signed');

type Tamper = (path: string, body: string) => string;
let tamper: Tamper | null = null;
let replay: { headers: Record<string, string | string[] | undefined>; body: Buffer } | null = null;
let lastFeed: { headers: Record<string, string | string[] | undefined>; body: Buffer } | null = null;
let proxy: Server;
let proxyUrl = '';

beforeAll(async () => {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = request(
        { host: '127.0.0.1', port: f.hqPort, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          const got: Buffer[] = [];
          upRes.on('data', (c: Buffer) => got.push(c));
          upRes.on('end', () => {
            let body: Buffer = Buffer.concat(got);
            const headers = { ...upRes.headers };
            const isFeed = (req.url ?? '').startsWith('/v1/sync/changes');
            let out = headers;
            if (isFeed && replay) ({ headers: out, body } = replay);
            else if (isFeed) lastFeed = { headers, body };
            if (tamper && isFeed) body = Buffer.from(tamper(req.url ?? '', body.toString('utf8')));
            out = { ...out };
            delete out['content-length'];
            res.writeHead(upRes.statusCode ?? 502, { ...out, 'content-length': String(body.length) });
            res.end(body);
          });
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
});

async function tillBehindProxy(store: string, id: string): Promise<Till> {
  return inProcessTill({ root: f.root, hqDir: f.hqDir, hqUrl: proxyUrl, store, id });
}

describe('signed answers from head office (item 6)', () => {
  it('a tampered or replayed feed page is not applied; honest pages are', async () => {
    const a = await f.tillAt('store-sa', 'till-sa');
    const b = await tillBehindProxy('store-sb', 'till-sb');
    try {
      const m = await tillPost(a, '/v1/members', {
        name: '周九',
        phone: '13700009999',
        consent: { marketing: true, text: 'v1' },
        cardCode: '04:11:22:33:44:55:66',
      });
      const memberNo = m.json.memberNo as string;
      await a.sync?.syncNow();

      // The attacker blocks the member's card in the page on its way to B.
      tamper = (_path, body) => body.replace(/"status":"active"/g, '"status":"blocked"');
      const tampered = await b.sync?.syncNow();
      expect(tampered?.problem?.code).toBe('hq_unreachable');
      expect(b.ctx.members.get(memberNo)).toBeNull();

      // Passed through, the same page applies: the card is active at B.
      tamper = null;
      expect((await b.sync?.syncNow())?.problem ?? null).toBeNull();
      const cards = b.ctx.members.cardsOf(memberNo);
      expect(cards.length).toBeGreaterThan(0);
      expect(cards.every((c) => c.status === 'active')).toBe(true);

      // An old (genuinely signed) page served to a new request is refused too.
      replay = lastFeed;
      expect((await b.sync?.syncNow())?.problem?.code).toBe('hq_unreachable');
      replay = null;
      expect((await b.sync?.syncNow())?.problem ?? null).toBeNull();
    } finally {
      tamper = null;
      replay = null;
      await b.close();
    }
  });
});
