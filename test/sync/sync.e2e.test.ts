/**
 * Issue 3 end to end: a real head-office process and real till processes on 127.0.0.1.
 * Every fault test checks "nothing lost, nothing doubled" by counting entries on both sides
 * and comparing balances.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedPoints, type EntryKind } from '../../core/ledger/entry.js';
import { addTill, freePort, operator, pos, startHq, startTillProc, waitFor, type Proc } from './procs.js';

const TOKEN = 'operator-token-for-tests';
let root: string;
let hqDir: string;
let hqPort: number;
let hq: Proc;
const procs: Proc[] = [];

function line(sku: string, price: number): { sku: string; category: string; quantity: number; unitPrice: number } {
  return { sku, category: 'grocery', quantity: 1, unitPrice: price };
}

/** Balance and entry count of one member from a till's own database file (read-only, WAL allows it). */
function tillLedger(dataDir: string, memberNo?: string): { count: number; sum: number; head: number } {
  const db = new Database(join(dataDir, 'till.db'), { readonly: true });
  try {
    const rows = (
      memberNo
        ? db.prepare('SELECT kind, points FROM ledger WHERE member_no = ?').all(memberNo)
        : db.prepare('SELECT kind, points FROM ledger').all()
    ) as { kind: EntryKind; points: number }[];
    const head = (db.prepare('SELECT coalesce(max(seq), 0) AS s FROM ledger').get() as { s: number }).s;
    return { count: rows.length, sum: rows.reduce((a, r) => a + signedPoints(r), 0), head };
  } finally {
    db.close();
  }
}

async function hqMember(memberNo: string): Promise<{ balance: number; ledger: unknown[] }> {
  const r = await operator(hq.url, TOKEN, `/v1/members/${memberNo}`);
  expect(r.status).toBe(200);
  return r.json as unknown as { balance: number; ledger: unknown[] };
}

async function hqTill(tillId: string): Promise<{ ackSeq: number; chainStatus: string }> {
  const r = await operator(hq.url, TOKEN, '/v1/tills');
  const tills = (r.json.tills ?? r.json) as { tillId: string; ackSeq: number; chainStatus: string }[];
  const t = tills.find((x) => x.tillId === tillId);
  if (!t) throw new Error(`till ${tillId} not listed`);
  return t;
}

async function drained(url: string): Promise<boolean> {
  const h = await pos(url, '/v1/health');
  return h.status === 200 && h.json.entriesWaiting === 0 && h.json.lastSyncAt !== null;
}

interface TillUnderTest {
  id: string;
  dir: string;
  port: number;
  env: Record<string, string>;
  proc: Proc;
}

async function newTill(store: string, id: string, hqUrl = hq.url): Promise<TillUnderTest> {
  const env = addTill(hqDir, store, id);
  const dir = mkdtempSync(join(root, `${id}-`));
  const port = await freePort();
  const proc = await startTillProc(dir, port, { ...env, TILL_HQ_URL: hqUrl });
  procs.push(proc);
  return { id, dir, port, env, proc };
}

async function restart(t: TillUnderTest, hqUrl = hq.url): Promise<void> {
  t.proc = await startTillProc(t.dir, t.port, { ...t.env, TILL_HQ_URL: hqUrl });
  procs.push(t.proc);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sync-e2e-'));
  hqDir = join(root, 'hq');
  hqPort = await freePort();
  hq = await startHq(hqDir, hqPort, TOKEN);
}, 60_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await hq?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('two tills and head office', () => {
  it('a member enrolled at store A earns at both stores; head office holds the sum; the balance reaches both', async () => {
    const a = await newTill('store-a', 'till-a1');
    const b = await newTill('store-b', 'till-b1');
    const m = await pos(a.proc.url, '/v1/members', {
      name: '陈小明',
      phone: '13800000001',
      consent: { marketing: true, text: 'v1' },
    });
    expect(m.status).toBe(201);
    const memberNo = m.json.memberNo as string;
    expect(
      (await pos(a.proc.url, '/v1/sales', { saleId: 'A-1', memberNo, lines: [line('x', 10000)] })).json.pointsEarned,
    ).toBe(100);
    await waitFor('till A drained', () => drained(a.proc.url));

    // One sync later the member is known at store B by card; the feed keeps the phone with store A
    // (need to know, issue 11), so B asks head office for the number the cashier types (DOMAIN.md 2).
    // B online too: its feed stores the member before its cycle ends, and a till counts itself
    // online (and asks head office for a phone it does not know) only once a whole cycle has
    // succeeded. On a heavily loaded run the phone lookup below once found nobody; that gap is
    // the likeliest reason, and B's log now comes with the assertion.
    const atB = await waitFor('member at B, B online', async () => {
      const r = await pos(b.proc.url, '/v1/members/identify', { code: memberNo });
      const online = r.status === 200 && (await pos(b.proc.url, '/v1/health')).json.online === true;
      return online && r.json.balance === 100 ? r : null;
    });
    expect(atB.json.memberNo).toBe(memberNo);
    const byPhone = await pos(b.proc.url, '/v1/members/identify', { phone: '13800000001' });
    // With B's log: whether it asked head office, and what came back (member_lookup_failed).
    expect(byPhone.status, `${JSON.stringify(byPhone.json)}\n${b.proc.output().slice(-2_000)}`).toBe(200);
    expect(byPhone.json.memberNo).toBe(memberNo);
    const saleB = await pos(b.proc.url, '/v1/sales', { saleId: 'B-1', memberNo, lines: [line('y', 5000)] });
    expect(saleB.status).toBe(201);
    expect(saleB.json.balance).toBe(150);
    await waitFor('till B drained', () => drained(b.proc.url));

    const both = tillLedger(a.dir, memberNo).sum + tillLedger(b.dir, memberNo).sum;
    expect(both).toBe(150);
    expect((await hqMember(memberNo)).balance).toBe(both);
    // B's points reach A.
    await waitFor('balance at A', async () => {
      const r = await pos(a.proc.url, '/v1/members/identify', { code: memberNo });
      return r.json.balance === 150;
    });
  }, 90_000);

  it('head office down for a long stretch of sales, then back: nothing lost, nothing doubled', async () => {
    const a = await newTill('store-c', 'till-c1');
    const m = await pos(a.proc.url, '/v1/members', {
      name: 'Li',
      phone: '13800000002',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    await waitFor('drained', () => drained(a.proc.url));
    await hq.kill('SIGKILL');
    for (let i = 0; i < 60; i++) {
      const r = await pos(a.proc.url, '/v1/sales', { saleId: `C-${i}`, memberNo, lines: [line('z', 1000 + i)] });
      expect(r.status).toBe(201);
    }
    const h = await waitFor('the till to notice', async () => {
      const r = await pos(a.proc.url, '/v1/health');
      return (r.json.syncProblem as { code: string } | null)?.code === 'hq_unreachable' ? r : null;
    });
    expect(h.json.entriesWaiting as number).toBeGreaterThanOrEqual(60);
    hq = await startHq(hqDir, hqPort, TOKEN);
    procs.push(hq);
    await waitFor('drained after head office returns', () => drained(a.proc.url), 60_000);
    const local = tillLedger(a.dir);
    const t = await hqTill('till-c1');
    expect(t.ackSeq).toBe(local.head);
    expect(t.chainStatus).toBe('ok');
    const member = await hqMember(memberNo);
    expect(member.balance).toBe(tillLedger(a.dir, memberNo).sum);
    expect(member.ledger.length).toBe(tillLedger(a.dir, memberNo).count);
  }, 120_000);

  it('the connection cut after head office applied a batch but before the till heard: resent, applied once', async () => {
    // A proxy that forwards every upload but drops the answer to the first three.
    let dropped = 0;
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const up = httpRequest(
          { host: '127.0.0.1', port: hqPort, path: req.url, method: req.method, headers: req.headers },
          (upRes) => {
            const body: Buffer[] = [];
            upRes.on('data', (c: Buffer) => body.push(c));
            upRes.on('end', () => {
              if (req.method === 'POST' && dropped < 3) {
                dropped++;
                req.socket.destroy();
                return;
              }
              res.writeHead(upRes.statusCode ?? 502, upRes.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        up.on('error', () => req.socket.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const addr = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const a = await newTill('store-d', 'till-d1', proxyUrl);
      const m = await pos(a.proc.url, '/v1/members', {
        name: 'Zhao',
        phone: '13800000003',
        consent: { marketing: false, text: 'v1' },
      });
      const memberNo = m.json.memberNo as string;
      for (let i = 0; i < 20; i++) {
        await pos(a.proc.url, '/v1/sales', { saleId: `D-${i}`, memberNo, lines: [line('q', 2000)] });
      }
      await waitFor('drained through the lossy link', () => drained(a.proc.url), 60_000).catch(async (e: unknown) => {
        console.log(JSON.stringify((await pos(a.proc.url, '/v1/health')).json), a.proc.output().slice(-3000));
        throw e;
      });
      expect(dropped).toBe(3);
      const local = tillLedger(a.dir, memberNo);
      const member = await hqMember(memberNo);
      expect(member.ledger.length).toBe(local.count);
      expect(member.balance).toBe(local.sum);
      expect((await hqTill('till-d1')).ackSeq).toBe(tillLedger(a.dir).head);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  }, 120_000);

  it('the till killed mid-upload resumes after restart without loss or doubling', async () => {
    const a = await newTill('store-e', 'till-e1');
    const m = await pos(a.proc.url, '/v1/members', {
      name: 'Sun',
      phone: '13800000004',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    await waitFor('drained', () => drained(a.proc.url));
    await hq.kill('SIGKILL');
    for (let i = 0; i < 400; i++) {
      await pos(a.proc.url, '/v1/sales', { saleId: `E-${i}`, memberNo, lines: [line('w', 100 + i)] });
    }
    hq = await startHq(hqDir, hqPort, TOKEN);
    procs.push(hq);
    // Kill the till while it drains its backlog, several times.
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 150 + k * 100));
      await a.proc.kill('SIGKILL');
      await restart(a);
    }
    await waitFor('drained after kills', () => drained(a.proc.url), 60_000);
    const local = tillLedger(a.dir, memberNo);
    const member = await hqMember(memberNo);
    expect(member.ledger.length).toBe(local.count);
    expect(member.balance).toBe(local.sum);
    expect((await hqTill('till-e1')).ackSeq).toBe(tillLedger(a.dir).head);
  }, 180_000);
});
