/**
 * GET /v1/reports/members and GET /v1/exports/members.csv over what tills uploaded (core/rfm.ts
 * defines the figures; core/rfm.test.ts checks them by hand). Runs on SQLite, and on
 * PostgreSQL under HQ_TEST_STORE=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, operator, provision, startHq, uploadAll, type TestHq } from './test-helpers.js';

let t: TestHq;
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

beforeAll(async () => {
  t = await startHq();
  const A = await provision(t, 'S1', 'A');
  A.enrol('M1', daysAgo(100));
  A.sale('M1', 30_000, daysAgo(50));
  A.sale('M1', 30_000, daysAgo(10));
  A.sale('M1', 30_000, daysAgo(1));
  A.enrol('M2', daysAgo(60));
  A.sale('M2', 20_000, daysAgo(40));
  A.enrol('M3', daysAgo(300));
  A.sale('M3', 5_000, daysAgo(200));
  A.enrol('M4', daysAgo(5));
  await uploadAll(t, A, 100);
});

afterAll(async () => {
  await t?.close();
});

async function csv(
  path: string,
): Promise<{ status: number; type: string | null; bytes: Buffer; disposition: string | null }> {
  const r = await fetch(`${t.hq.url}${path}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  return {
    status: r.status,
    type: r.headers.get('content-type'),
    disposition: r.headers.get('content-disposition'),
    bytes: Buffer.from(await r.arrayBuffer()),
  };
}

describe('GET /v1/reports/members', () => {
  it('scores the active members by quintile and counts tiers, classes and the lifecycle funnel', async () => {
    const r = await operator(t, 'GET', '/v1/reports/members');
    expect(r.status).toBe(200);
    expect(r.body.members).toBe(4);
    // n = 3 scored: R 1 / 40 / 200 days → 5, 5−⌊5/3⌋ = 4, 5−⌊10/3⌋ = 2; F 3 / 1 / 1 → 5, 4, 4; M likewise 5, 4, 2
    expect(r.body.rfm).toEqual({
      scored: 3,
      unscored: 1,
      cells: [
        { cell: 'R5F5M5', r: 5, f: 5, m: 5, members: 1 },
        { cell: 'R4F4M4', r: 4, f: 4, m: 4, members: 1 },
        { cell: 'R2F4M2', r: 2, f: 4, m: 2, members: 1 },
      ],
    });
    // first sale 50 and 40 days ago, and enrolled 5 days ago with no sale: new; 200 days idle: dormant
    expect(r.body.lifecycle).toEqual([
      { stage: 'new', members: 3 },
      { stage: 'active', members: 0 },
      { stage: 'at_risk', members: 0 },
      { stage: 'dormant', members: 1 },
    ]);
    expect((r.body.classes as { class: string; members: number }[]).map((c) => [c.class, c.members])).toEqual([
      ['A', 1],
      ['B', 1],
      ['C', 1],
      ['D', 1],
    ]);
    expect((r.body.tiers as { members: number }[]).reduce((s, x) => s + x.members, 0)).toBe(4);
    expect(r.body.cellMembers).toBeNull();
  });

  it("lists a cell's members by number with masked fields only", async () => {
    const r = await operator(t, 'GET', '/v1/reports/members?cell=R5F5M5');
    expect(r.status).toBe(200);
    expect(r.body.cell).toBe('R5F5M5');
    expect(r.body.cellMembers).toHaveLength(1);
    const m = r.body.cellMembers[0];
    expect(m).toMatchObject({ memberNo: 'M1', class: 'A', recencyDays: 1, frequency: 3, cell: 'R5F5M5' });
    expect(Object.keys(m).sort()).toEqual(
      ['cell', 'class', 'f', 'frequency', 'lifecycle', 'm', 'memberNo', 'monetary', 'r', 'recencyDays', 'tier'].sort(),
    );
    expect(JSON.stringify(r.body)).not.toMatch(/张三丰|138/);
  });

  it('refuses a bad cell and a caller without the token', async () => {
    const r = await operator(t, 'GET', '/v1/reports/members?cell=R6F1M1');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'bad_query', field: 'cell' });
    const anon = await fetch(`${t.hq.url}/v1/reports/members`);
    expect(anon.status).toBe(401);
  });
});

describe('GET /v1/exports/members.csv', () => {
  it("is the cell's members as the API lists them, UTF-8 with a BOM and zh-CN headers, recorded as an action", async () => {
    const api = await operator(t, 'GET', '/v1/reports/members?cell=R5F5M5');
    const out = await csv('/v1/exports/members.csv?cell=R5F5M5&operatorId=ana&reason=campaign');
    expect(out.status).toBe(200);
    expect(out.type).toBe('text/csv; charset=utf-8');
    expect(out.disposition).toMatch(/^attachment; filename="members-R5F5M5-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect([...out.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = out.bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      '会员号,会员等级,ABCD 分类,生命周期阶段,距上次消费天数（R）,近 12 个月消费次数（F）,近 12 个月消费金额（元）（M）,R 分,F 分,M 分,RFM 单元',
    );
    const rows = lines.slice(1).map((l) => l.split(','));
    const members = api.body.cellMembers as {
      memberNo: string;
      recencyDays: number;
      frequency: number;
      monetary: number;
      cell: string;
    }[];
    expect(rows.map((x) => [x[0], Number(x[4]), Number(x[5]), Math.round(Number(x[6]) * 100), x[10]])).toEqual(
      members.map((m) => [m.memberNo, m.recencyDays, m.frequency, m.monetary, m.cell]),
    );
    await t.hq.store.settle();
    const actions = await t.sql<{
      action: string;
      subject: string;
      operator_id: string;
      reason: string;
      detail: string;
    }>("SELECT action, subject, operator_id, reason, detail FROM operator_actions WHERE action = 'export_segment'");
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ subject: 'R5F5M5', operator_id: 'ana', reason: 'campaign' });
    expect(JSON.parse(actions[0]?.detail ?? '{}')).toMatchObject({ members: 1 });
  });

  it('needs a cell and a reason; an empty cell exports the header only', async () => {
    expect((await csv('/v1/exports/members.csv?operatorId=ana&reason=x')).status).toBe(400);
    expect((await csv('/v1/exports/members.csv?cell=R5F5M5&operatorId=ana')).status).toBe(400);
    const empty = await csv('/v1/exports/members.csv?cell=R1F1M1&operatorId=ana&reason=x');
    expect(empty.status).toBe(200);
    expect(empty.bytes.toString('utf8').trimEnd().split('\r\n')).toHaveLength(1);
  });
});
