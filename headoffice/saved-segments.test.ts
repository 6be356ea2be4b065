/**
 * Saved segments (issue 13 item 6, docs/campaigns.md "Saved segments") over HTTP, on both
 * stores: saved from an RFM cell with the count at save time and who saved it, re-evaluated
 * when used, listed, renamed and deleted, role-checked like the CSV export; a campaign whose
 * target is the segment (preview, start, result naming it, delete refused while it runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from './provision.js';
import { OPERATOR_TOKEN, hqCli, startHq, TillSim, uploadAll, type TestHq } from './test-helpers.js';
import { bearerCall } from '../test/helpers/bearer-call.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
type Json = Record<string, any>;

const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

let t: TestHq;

function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall<Json>(t.hq.url, token, method, path, body);
}

const tokenOf = (out: string): string => (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;

describe('saved segments', () => {
  beforeAll(async () => {
    t = await startHq();
    const issued = await addTill(t.hq.store, 'S1', 'A', new Date(), { storeName: '南京西路店' });
    const A = new TillSim(issued.tillId, issued.storeId, issued.secret);
    // Ten members: M01 and M02 the most recent, frequent and spending (cell R5F5M5).
    for (let i = 1; i <= 10; i++) {
      const no = `M${String(i).padStart(2, '0')}`;
      A.enrol(no, daysAgo(300));
      for (let k = 0; k < 11 - i; k++) A.sale(no, 10_000 * (11 - i), daysAgo(i * 15 + k));
    }
    await uploadAll(t, A, 200);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('saves, lists, renames and deletes; re-evaluates when used; refuses what it must', async () => {
    const boot = OPERATOR_TOKEN;
    const report = await call(boot, 'GET', '/v1/reports/members?cell=R5F5M5');
    expect(report.json.cellMembers.map((m: Json) => m.memberNo)).toEqual(['M01', 'M02']);

    // role-checked like the export: a viewer may not, an analyst may
    const viewer = tokenOf(await hqCli(t, ['add-operator', '--id', 'vic', '--role', 'viewer']));
    const ana = tokenOf(await hqCli(t, ['add-operator', '--id', 'ana', '--role', 'analyst']));
    const cellRule = { rfmCells: ['R5F5M5'] };
    expect((await call(viewer, 'POST', '/v1/segments', { name: 'x', rule: cellRule })).status).toBe(403);
    expect((await call(viewer, 'GET', '/v1/segments')).status).toBe(403);

    const saved = await call(ana, 'POST', '/v1/segments', { name: '高价值活跃会员', rule: cellRule });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ name: '高价值活跃会员', rule: cellRule, countAtSave: 2, createdBy: 'ana' });
    expect(saved.json.id).toMatch(/^seg-/);
    const id = saved.json.id as string;

    // bad rules and names: typed errors naming the field
    const bad = await call(ana, 'POST', '/v1/segments', { name: 'y', rule: { rfmCells: ['R6F1M1'] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_request', field: 'rule.rfmCells.0' });
    expect((await call(ana, 'POST', '/v1/segments', { name: ' ', rule: {} })).status).toBe(400);
    expect((await call(ana, 'POST', '/v1/segments', { name: 'z', rule: { segmentId: id } })).status).toBe(400);
    const taken = await call(ana, 'POST', '/v1/segments', { name: '高价值活跃会员', rule: {} });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('segment_name_taken');

    // a second segment over class and lifecycle, counted as the campaign would choose
    const preview = await call(ana, 'POST', '/v1/segments/preview', { rule: { classes: ['A'] } });
    expect(preview.status).toBe(200);
    expect(preview.json.members).toBe(2);
    const byClass = await call(ana, 'POST', '/v1/segments', { name: 'A 类会员', rule: { classes: ['A'] } });
    expect(byClass.json.countAtSave).toBe(2);

    const list = await call(ana, 'GET', '/v1/segments');
    expect(list.json.segments.map((s: Json) => s.name)).toEqual(['A 类会员', '高价值活跃会员']);

    const renamed = await call(ana, 'POST', `/v1/segments/${id}/rename`, { name: '最有价值会员' });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: '最有价值会员', renamedBy: 'ana', countAtSave: 2 });
    expect((await call(ana, 'POST', `/v1/segments/${id}/rename`, { name: 'A 类会员' })).status).toBe(409);
    expect((await call(ana, 'POST', '/v1/segments/seg-nope/rename', { name: 'q' })).status).toBe(404);

    // Re-evaluated when used: an erased member leaves it; the count at save time stays.
    await call(boot, 'POST', '/v1/members/M02/erase', { operatorId: 'ops', reason: 'member asked' });
    expect((await call(ana, 'POST', '/v1/segments/preview', { rule: cellRule })).json.members).toBe(1);
    expect((await call(ana, 'GET', '/v1/segments')).json.segments[1].countAtSave).toBe(2);

    const gone = await call(ana, 'POST', `/v1/segments/${byClass.json.id as string}/delete`, {});
    expect(gone.json).toMatchObject({ status: 'deleted', deletedBy: 'ana' });
    expect((await call(ana, 'GET', '/v1/segments')).json.segments.map((s: Json) => s.id)).toEqual([id]);
    expect((await call(ana, 'POST', `/v1/segments/${byClass.json.id as string}/delete`, {})).status).toBe(404);
  });

  it('is a campaign target: previewed, chosen at the start, named in the result, kept while in use', async () => {
    const ana = tokenOf(await hqCli(t, ['add-operator', '--id', 'ana2', '--role', 'analyst']));
    const seg = await call(ana, 'POST', '/v1/segments', {
      name: '近期高消费',
      rule: { rfmCells: ['R5F5M5', 'R4F4M4'] },
    });
    const segmentId = seg.json.id as string;
    const draft = {
      id: 'seg-week',
      name: '分群双倍积分',
      target: { segmentId },
      offer: { multiplierMilli: 2000, days: 7, name: { zh: '双倍积分', en: 'double points' } },
      holdoutPercent: 0,
      budgetPoints: 10_000,
      costPerGrant: 100,
    };
    const preview = await call(ana, 'POST', '/v1/campaigns/preview', { target: draft.target });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ matching: seg.json.countAtSave, expectedHoldout: 0 });
    // a segment AND another criterion
    const narrowed = await call(ana, 'POST', '/v1/campaigns/preview', { target: { segmentId, classes: ['D'] } });
    expect(narrowed.json.matching).toBe(0);
    const unknown = await call(ana, 'POST', '/v1/campaigns/preview', { target: { segmentId: 'seg-nope' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 'unknown_segment', field: 'target.segmentId' });
    expect(
      (await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', { ...draft, id: 'x', target: { segmentId: 'seg-nope' } }))
        .status,
    ).toBe(400);

    expect((await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', draft)).status).toBe(201);
    const inUse = await call(ana, 'POST', `/v1/segments/${segmentId}/delete`, {});
    expect(inUse.status).toBe(409);
    expect(inUse.json).toMatchObject({ error: { code: 'segment_in_use' }, campaigns: ['seg-week'] });

    const adm = tokenOf(await hqCli(t, ['add-operator', '--id', 'adm', '--role', 'admin']));
    expect((await call(adm, 'POST', '/v1/campaigns/seg-week/approve', {})).status).toBe(200);
    const started = await call(adm, 'POST', '/v1/campaigns/seg-week/start', {});
    expect(started.status).toBe(200);
    expect(started.json.chosen).toBe(preview.json.matching);
    expect(started.json.granted).toBe(preview.json.matching);

    const result = await call(ana, 'GET', '/v1/campaigns/seg-week/result');
    expect(result.json).toMatchObject({ targeted: preview.json.matching, heldOut: 0, segmentName: '近期高消费' });
    // no sale under the offer yet: no cost, no ratio; a point is worth 1 fen at 100 points a yuan
    expect(result.json.returnOnCost).toMatchObject({ pointValueFen: 1, costFen: 0, ratio: null });

    expect((await call(adm, 'POST', '/v1/campaigns/seg-week/end', {})).status).toBe(200);
    expect((await call(ana, 'POST', `/v1/segments/${segmentId}/delete`, {})).status).toBe(200);
    // an ended campaign still names its deleted segment
    expect((await call(ana, 'GET', '/v1/campaigns/seg-week/result')).json.segmentName).toBe('近期高消费');
  });
});
