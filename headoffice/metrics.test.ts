/**
 * `GET /metrics` (metrics.ts): off without HQ_METRICS_TOKEN, its own bearer token, and figures
 * that follow what tills did: uploads by outcome, entries accepted and applied, requests by
 * route pattern and error code, the inbox, the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, at, provision, startHq, upload, type TestHq } from './test-helpers.js';

const TOKEN = 'scrape-7c1e5a90d3b2f684';

async function scrape(t: TestHq, authorization?: string): Promise<{ status: number; type: string; text: string }> {
  const r = await fetch(`${t.hq.url}/metrics`, authorization ? { headers: { authorization } } : {});
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

/** The value of the sample `name{labels}` (labels as Prometheus writes them, in order), or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const head = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(head));
  return line === undefined ? undefined : Number(line.slice(head.length));
}

describe('GET /metrics without HQ_METRICS_TOKEN', () => {
  let t: TestHq;
  beforeAll(async () => {
    t = await startHq();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 404 metrics_off, even to the operator token', async () => {
    const r = await scrape(t, `Bearer ${OPERATOR_TOKEN}`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.code).toBe('metrics_off');
  });
});

describe('GET /metrics with HQ_METRICS_TOKEN', () => {
  let t: TestHq;
  beforeAll(async () => {
    t = await startHq({ metricsToken: TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it('takes only its own token', async () => {
    for (const auth of [undefined, `Bearer ${OPERATOR_TOKEN}`, `Bearer ${TOKEN}x`, TOKEN, `bearer  ${TOKEN}`]) {
      const r = await scrape(t, auth);
      expect(r.status, String(auth)).toBe(401);
      expect(r.text).not.toContain('hq_');
    }
    const ok = await scrape(t, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(ok.text, 'hq_build_info', `version="0.1.0",storage="${t.hq.store.kind}"`)).toBe(1);
  });

  it("counts a till's uploads by outcome, and the entries accepted and applied", async () => {
    const till = await provision(t, 'S1', 'T1');
    till.enrol('M0000001', at(1));
    for (let i = 0; i < 5; i++) till.sale('M0000001', 1000 + i, at(2 + i));
    const [first, second] = till.batches(3) as [unknown, unknown];
    expect((await upload(t, till, second)).status).toBe(409); // before the first: a gap
    expect((await upload(t, till, first)).status).toBe(200);
    expect((await upload(t, till, first)).status).toBe(200); // again: a duplicate
    expect((await upload(t, till, second)).status).toBe(200);
    await t.hq.store.settle();
    const m = (await scrape(t, `Bearer ${TOKEN}`)).text;
    expect(sample(m, 'hq_uploads_total', 'outcome="gap"')).toBe(1);
    expect(sample(m, 'hq_uploads_total', 'outcome="duplicate"')).toBe(1);
    expect(sample(m, 'hq_uploads_total', 'outcome="applied"')).toBe(2);
    expect(sample(m, 'hq_accepted_entries_total')).toBe(6);
    expect(sample(m, 'hq_applied_entries_total')).toBe(6);
    expect(sample(m, 'hq_apply_passes_total', 'result="applied"')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'hq_apply_pass_duration_seconds_count')).toBe(
      sample(m, 'hq_apply_passes_total', 'result="applied"'),
    );
    expect(sample(m, 'hq_inbox_batches')).toBe(0);
    expect(sample(m, 'hq_inbox_entries')).toBe(0);
    expect(sample(m, 'hq_inbox_oldest_age_seconds')).toBe(0);
    expect(sample(m, 'hq_apply_failing')).toBe(0);
    // Requests by route pattern, status and error code: the gap is a 409 sequence_gap.
    const batches = 'method="POST",route="/v1/sync/batches"';
    expect(sample(m, 'hq_http_requests_total', `${batches},status="409",code="sequence_gap"`)).toBe(1);
    expect(sample(m, 'hq_http_requests_total', `${batches},status="200",code=""`)).toBe(3);
    // No member number, till secret or token in the figures.
    for (const secret of ['M0000001', TOKEN, OPERATOR_TOKEN]) expect(m).not.toContain(secret);
  });

  it('labels requests by route pattern, never by path', async () => {
    await fetch(`${t.hq.url}/v1/members/M0000001`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    await fetch(`${t.hq.url}/no/such/path/9f8e7d`);
    const m = (await scrape(t, `Bearer ${TOKEN}`)).text;
    expect(
      sample(m, 'hq_http_requests_total', 'method="GET",route="/v1/members/{memberNo}",status="200",code=""'),
    ).toBe(1);
    expect(sample(m, 'hq_http_requests_total', 'method="GET",route="unmatched",status="404",code="not_found"')).toBe(1);
    expect(m).not.toContain('9f8e7d');
    expect(m).not.toContain('M0000001');
  });

  it("reports the process's own figures", async () => {
    const m = (await scrape(t, `Bearer ${TOKEN}`)).text;
    expect(sample(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(m).toContain('nodejs_eventloop_lag_seconds');
    expect(m).toContain('nodejs_heap_size_used_bytes');
  });
});
