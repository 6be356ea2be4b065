/**
 * Bodies that are valid JSON but hold what head office cannot keep as sent (core/json-text.ts):
 * a NUL character (PostgreSQL's text refuses it: a batch holding one was acknowledged and could
 * then not be applied, stopping its till), a lone surrogate (SQLite stores U+FFFD instead, so the
 * name kept was not the name answered), nesting deep enough to overflow the stack of the hash
 * check (500 on every retry). Each is a typed 400 naming the field, nothing is committed, and
 * the till's next honest batch is taken as usual. Also: a till whose connection drops mid-upload
 * is not logged as head office's defect. Both stores.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { signRequest } from '../core/sync/sign.js';
import { at, operator, OPERATOR_TOKEN, provision, startHq, upload, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

beforeEach(async () => {
  t = await startHq();
  A = await provision(t, 'S1', 'A');
});

afterEach(async () => {
  await t.close();
});

async function postSigned(
  text: string,
): Promise<{ status: number; body: { error?: { code: string; field?: string } } }> {
  const wire = Buffer.from(text);
  const res = await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(A, 'POST', SYNC_PATHS.batches, wire, Date.now()) },
    body: new Uint8Array(wire),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; field?: string } } };
}

const log = (): string => readFileSync(join(t.dataDir, 'headoffice.log'), 'utf8');

/** The till's batch without the bad part is accepted and applied afterwards: nothing of the refused one stuck. */
async function honestBatchApplies(): Promise<void> {
  const ok = await upload(t, A, A.batch(1, 1));
  expect(ok.status).toBe(200);
  expect(ok.body.ackSeq).toBe(1);
  await t.hq.store.settle();
  const health = (await fetch(`${t.hq.url}/v1/health`).then((r) => r.json())) as { inbox: { batches: number } };
  expect(health.inbox.batches).toBe(0);
  expect(log()).not.toContain('"event":"internal_error"');
}

describe('a till batch', () => {
  it('holding a NUL character is refused, naming the field', async () => {
    A.enrol('M1', at(0), { cards: [{ code: 'NFC04A1B2', kind: 'nfc', status: 'active' }] });
    const text = JSON.stringify(A.batch(1)).replace('NFC04A1B2', 'NFC\\u000004A1B2');
    const r = await postSigned(text);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('malformed_json');
    expect(r.body.error?.field).toMatch(/cards\.0\.code$/);
    // Logged as a refusal, naming the field and not the text.
    const refused = log()
      .split('\n')
      .filter((l) => l.includes('"event":"request_refused"'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain('"code":"malformed_json"');
    expect(refused[0]).not.toContain('NFC');
    await honestBatchApplies();
    expect((await operator(t, 'GET', '/v1/members/M1')).status).toBe(200);
  });

  it('nested a hundred thousand deep is refused, not a stack overflow', async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 1, at(1), { data: { note: 'x' } });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = await postSigned(JSON.stringify(A.batch(1)).replace('"note":"x"', `"note":"x","deep":${deep}`));
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('malformed_json');
    await honestBatchApplies();
  });

  it('whose connection drops mid-upload is not logged as a defect, and is taken when sent again', async () => {
    A.enrol('M1', at(0));
    const body = Buffer.from(JSON.stringify(A.batch(1)));
    const h = signRequest(A, 'POST', SYNC_PATHS.batches, body, Date.now());
    const u = new URL(t.hq.url);
    await new Promise<void>((resolve) => {
      const s = connect(Number(u.port), u.hostname, () => {
        s.write(
          `POST ${SYNC_PATHS.batches} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
            `authorization: ${h.authorization}\r\nx-till-timestamp: ${h['x-till-timestamp']}\r\n` +
            `content-length: ${body.length}\r\n\r\n`,
        );
        s.write(body.subarray(0, 20));
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 200);
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    await honestBatchApplies();
  });
});

it('a store name holding a lone surrogate is refused rather than kept as other text', async () => {
  const r = await operator(t, 'POST', '/v1/stores/S1/name', '{"operatorId":"ops","name":"x\\ud800"}');
  expect(r.status).toBe(400);
  expect(r.body.error).toMatchObject({ code: 'malformed_json', field: 'name' });
});

it('a body that is not UTF-8 (GBK from a POS, garbage) is refused rather than kept as U+FFFD', async () => {
  const gbk = Buffer.concat([
    Buffer.from('{"operatorId":"ops","name":"'),
    Buffer.from([0xd5, 0xc5]),
    Buffer.from('"}'),
  ]);
  const r = await fetch(`${t.hq.url}/v1/stores/S1/name`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: new Uint8Array(gbk),
  });
  expect(r.status).toBe(400);
  expect(((await r.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
});
