/** Head office's OpenAPI document: complete, no more than what is served, and self-consistent. */
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedRoutes } from './openapi.js';
import { buildRouter } from './server.js';
import type { AppDeps } from './routes/deps.js';
import { startHq, type TestHq } from './test-helpers.js';

let t: TestHq;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

beforeAll(async () => {
  t = await startHq();
  const r = await fetch(`${t.hq.url}/v1/openapi.json`);
  expect(r.status).toBe(200);
  doc = (await r.json()) as typeof doc;
});

afterAll(async () => {
  await t.close();
});

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('head office OpenAPI document', () => {
  it('names and secures every operation, so a generated client gets method names (issue 14)', async () => {
    const ops = Object.entries(doc.paths).flatMap(([path, o]) =>
      Object.entries(o).map(([m, op]) => ({
        at: `${m.toUpperCase()} ${path}`,
        ...(op as { operationId?: unknown; security?: unknown }),
      })),
    );
    expect(ops.filter((o) => typeof o.operationId !== 'string').map((o) => o.at)).toEqual([]);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    expect(ops.filter((o) => !Array.isArray(o.security)).map((o) => o.at)).toEqual([]);
    const ts = astToString(await openapiTS(doc as never));
    for (const id of ['uploadBatch', 'getSummary', 'listFeedback']) expect(ts).toContain(`${id}: {`);
  });

  it('documents every route the server has, and only those', () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = buildRouter({} as AppDeps).list();
    for (const [method, path] of served) {
      expect(doc.paths[path]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    }
    const servedKeys = new Set(served.map(([m, p]) => `${m} ${p}`));
    for (const [method, path] of documentedRoutes())
      expect(servedKeys.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
  });

  it('resolves every schema reference, and names the request and answer schemas', () => {
    for (const r of refs(doc)) {
      const name = r.replace('#/components/schemas/', '');
      expect(r.startsWith('#/components/schemas/'), r).toBe(true);
      expect(doc.components.schemas[name], r).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['MemberView', 'SummaryReport', 'MemberExport', 'OperatorRequest', 'TillView']),
    );
    const batches = doc.paths['/v1/sync/batches']?.post as { responses: Record<string, unknown> };
    expect(Object.keys(batches.responses)).toEqual(expect.arrayContaining(['200', '409', '422', '503']));
  });

  it('describes real answers: a member view and the summary validate against their schemas', async () => {
    const { MemberViewSchema, SummaryReportSchema } = await import('./api-schemas.js');
    const { operator, provision, at, uploadAll } = await import('./test-helpers.js');
    const A = await provision(t, 'S1', 'A');
    A.enrol('M1', at(0));
    A.sale('M1', 12_000, at(1));
    await uploadAll(t, A, 10);
    expect(MemberViewSchema.safeParse((await operator(t, 'GET', '/v1/members/M1')).body).success).toBe(true);
    const summary = SummaryReportSchema.safeParse((await operator(t, 'GET', '/v1/reports/summary')).body);
    expect(summary.error?.issues ?? []).toEqual([]);
  });
});
