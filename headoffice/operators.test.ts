/**
 * Named operators (issue 11, item 7): `add-operator` (the real CLI, against the running head
 * office's data folder) prints a token once and keeps its digest; roles limit what a token may
 * do; an action is attributed to the token's operator, never to another id in the body; the
 * shared token only bootstraps the first admin.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, at, hqCli, provision, startHq, uploadAll, type Answer, type TestHq } from './test-helpers.js';

let t: TestHq;

beforeEach(async () => {
  t = await startHq();
  const till = await provision(t, 'S1', 'T1');
  till.enrol('M1', at(0));
  till.bonus('M1', 500, at(1));
  await uploadAll(t, till, 10);
});
afterEach(async () => {
  await t.close();
});

async function addOperator(id: string, role: string): Promise<string> {
  const out = await hqCli(t, ['add-operator', '--id', id, '--role', role]);
  const m = /^OPERATOR_TOKEN=(\S+)$/m.exec(out);
  if (!m) throw new Error(`no token in ${out}`);
  return m[1] as string;
}

async function call(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${t.hq.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const adjust = (operatorId: string) => ({ operatorId, reason: 'goodwill', points: 10, direction: 'credit' });

describe('named operators (item 7)', () => {
  it('roles: a viewer reads, an analyst also exports, only an admin acts', async () => {
    const viewer = await addOperator('v.zhao', 'viewer');
    const analyst = await addOperator('a.qian', 'analyst');
    const admin = await addOperator('ad.sun', 'admin');
    expect((await call(viewer, 'GET', '/v1/tills')).status).toBe(200);
    expect((await call(viewer, 'GET', '/v1/members/M1')).status).toBe(200);
    const denied = await call(viewer, 'POST', '/v1/members/M1/export', { operatorId: 'v.zhao', reason: 'r' });
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await call(analyst, 'POST', '/v1/members/M1/export', { operatorId: 'a.qian', reason: 'r' })).status).toBe(
      200,
    );
    expect((await call(analyst, 'POST', '/v1/members/M1/adjustments', adjust('a.qian'))).status).toBe(403);
    expect((await call(analyst, 'POST', '/v1/members/M1/erase', { operatorId: 'a.qian', reason: 'r' })).status).toBe(
      403,
    );
    expect((await call(analyst, 'POST', '/v1/eod', {})).status).toBe(403);
    expect((await call(admin, 'POST', '/v1/members/M1/adjustments', adjust('ad.sun'))).status).toBe(201);
    expect((await call(admin, 'POST', '/v1/eod', {})).status).toBe(200);
  });

  it('attributes an action to the token, refusing another id in the body', async () => {
    const admin = await addOperator('ad.sun', 'admin');
    const forged = await call(admin, 'POST', '/v1/members/M1/adjustments', adjust('someone.else'));
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'operator_mismatch', field: 'operatorId' } } });
    const ok = await call(admin, 'POST', '/v1/members/M1/adjustments', adjust('ad.sun'));
    expect(ok.body.entry.data).toMatchObject({ operator: 'ad.sun' });
    const exp = await call(admin, 'POST', '/v1/members/M1/export', { operatorId: 'ad.sun', reason: 'asked' });
    // The export lists every operator action on the member: the adjustment, then this export.
    expect(exp.body.operatorActions).toEqual([
      expect.objectContaining({ action: 'adjust', operatorId: 'ad.sun' }),
      expect.objectContaining({ action: 'export', operatorId: 'ad.sun' }),
    ]);
  });

  it('the shared token works until the first named admin exists, then never again', async () => {
    expect((await call(OPERATOR_TOKEN, 'GET', '/v1/tills')).status).toBe(200);
    await addOperator('v.zhao', 'viewer');
    // A viewer is no admin: the shared token still bootstraps.
    expect((await call(OPERATOR_TOKEN, 'GET', '/v1/tills')).status).toBe(200);
    const admin = await addOperator('ad.sun', 'admin');
    expect((await call(OPERATOR_TOKEN, 'GET', '/v1/tills')).status).toBe(401);
    expect((await call(admin, 'GET', '/v1/tills')).status).toBe(200);
    expect((await call('not-a-token', 'GET', '/v1/tills')).status).toBe(401);
    // Kept as a digest: the token itself is in no file of the data folder.
    for (const f of readdirSync(t.dataDir)) expect(readFileSync(join(t.dataDir, f)).includes(admin)).toBe(false);
  });
});

describe('rotating and revoking an operator (issue 11, item 7)', () => {
  const cli = (args: string[]): Promise<string> => hqCli(t, args);

  it('a rotated token replaces the old one at once; a revoked one stops working', async () => {
    const old = await addOperator('ops-wang', 'viewer');
    expect((await call(old, 'GET', '/v1/members/M1')).status).toBe(200);
    const rotated = /^OPERATOR_TOKEN=(\S+)$/m.exec(await cli(['rotate-operator', '--id', 'ops-wang']))?.[1] as string;
    expect((await call(old, 'GET', '/v1/members/M1')).status).toBe(401);
    expect((await call(rotated, 'GET', '/v1/members/M1')).status).toBe(200);
    expect(await cli(['revoke-operator', '--id', 'ops-wang'])).toContain('revoked');
    expect((await call(rotated, 'GET', '/v1/members/M1')).status).toBe(401);
  });
});
