/**
 * Issue 14: "a POS vendor generating a client from /v1/openapi.json (openapi-typescript +
 * openapi-fetch, as one would)". A real till's document is turned into types with
 * openapi-typescript; docs/pos-api.md's walk-through is written as calls of an openapi-fetch
 * client typed by them and type-checked with tsc (a body that must send what the server
 * defaults, or misses a field the server needs, fails here), then the same requests go through
 * openapi-fetch to the till and answer what the page shows. Also the document's shape: every
 * operation named (`operationId`, unique) and secured (`security`, empty for sign-in only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../main/db/open.js';
import { setMeta } from '../main/service/identity.js';
import { createTill, type Till } from '../main/service/till.js';
import { literalPairs, posApiExamples, type DocExample } from './helpers/doc-examples.js';
import { POS_KEY, testConfig } from './helpers/till.js';

const ROOT = join(import.meta.dirname, '..');

type Operation = { operationId?: string; security?: unknown[]; requestBody?: unknown };
type Doc = { paths: Record<string, Record<string, Operation>> };

/** The document's path template of a concrete path, and the path parameters it binds. */
function template(doc: Doc, path: string): { template: string; params: Record<string, string> } {
  for (const t of Object.keys(doc.paths)) {
    const names = [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
    const m = new RegExp(`^${t.replace(/\{\w+\}/g, '([^/]+)')}$`).exec(path);
    if (m) return { template: t, params: Object.fromEntries(names.map((n, i) => [n, m[i + 1] ?? ''])) };
  }
  throw new Error(`no path of the document matches ${path}`);
}

interface Call {
  ex: DocExample;
  method: 'GET' | 'POST';
  template: string;
  options: { params?: { path?: Record<string, string>; query?: Record<string, string> }; body?: unknown };
}

function calls(doc: Doc): Call[] {
  return posApiExamples().map((ex) => {
    const [path = '', search = ''] = ex.path.split('?');
    const t = template(doc, path);
    const query = Object.fromEntries(new URLSearchParams(search));
    const params = {
      ...(Object.keys(t.params).length ? { path: t.params } : {}),
      ...(Object.keys(query).length ? { query } : {}),
    };
    return {
      ex,
      method: ex.method,
      template: t.template,
      options: {
        ...(Object.keys(params).length ? { params } : {}),
        ...(ex.body === null ? {} : { body: JSON.parse(ex.body) as unknown }),
      },
    };
  });
}

/** The walk-through as TypeScript against the generated types: each call exactly as sent. */
function walkSource(list: readonly Call[]): string {
  const lines = list.map(
    (c) =>
      `  await client.${c.method}(${JSON.stringify(c.template)}, ${JSON.stringify(c.options)}); // line ${c.ex.line}`,
  );
  return [
    "import createClient from 'openapi-fetch';",
    "import type { paths } from './schema.js';",
    '',
    'export async function walk(baseUrl: string, key: string): Promise<void> {',
    '  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });',
    ...lines,
    '}',
    '',
  ].join('\n');
}

function typeCheck(dir: string): string {
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      lib: ['ES2022', 'DOM'],
    },
    files: ['walk.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('a client generated from the till OpenAPI document', { timeout: 120_000 }, () => {
  let till: Till;
  let dataDir: string;
  let work: string;
  let doc: Doc;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'till-openapi-'));
    // The page's member numbers are those of a till whose code is 18349, its clock on the page's day.
    const db = openDatabase(join(dataDir, 'till.db'));
    setMeta(db, 'till_code', '18349');
    db.close();
    const now = new Date('2026-11-23T10:20:00+08:00');
    till = await createTill(testConfig(dataDir, { tillId: 'till-docs' }), { now: () => now, quiet: true });
    doc = (await (await fetch(`${till.url}/v1/openapi.json`)).json()) as Doc;
    work = mkdtempSync(join(tmpdir(), 'till-client-'));
    // The generated client resolves openapi-fetch as a vendor's project would, from node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await till?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('names and secures every operation', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, o]) =>
      Object.entries(o).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, ...op })),
    );
    expect(ops.filter((o) => !o.operationId).map((o) => o.at)).toEqual([]);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    expect(ops.filter((o) => !Array.isArray(o.security)).map((o) => o.at)).toEqual([]);
    const open = ops.filter((o) => o.security?.length === 0).map((o) => o.at);
    expect(open.sort()).toEqual(['GET /v1/openapi.json', 'POST /v1/staff/sessions']);
  });

  it('type-checks the walk-through written against the generated types', async () => {
    const ast = await openapiTS(doc as never);
    writeFileSync(join(work, 'schema.ts'), astToString(ast));
    const list = calls(doc);
    expect(list.length).toBeGreaterThan(12);
    writeFileSync(join(work, 'walk.ts'), walkSource(list));
    expect(typeCheck(work)).toBe('');
    // And the check bites: a sale without its lines does not compile.
    writeFileSync(
      join(work, 'walk.ts'),
      walkSource(list) +
        "export const bad = (c: import('openapi-fetch').Client<import('./schema.js').paths>) =>\n" +
        "  c.POST('/v1/sales', { body: { saleId: 'X' } });\n",
    );
    expect(typeCheck(work)).toContain("Property 'lines' is missing");
  });

  it('runs the walk-through through openapi-fetch against the till as the page shows', async () => {
    const client = createClient<Record<string, never>>({
      baseUrl: till.url,
      headers: { Authorization: `Bearer ${POS_KEY}` },
    });
    const send = client as unknown as Record<
      'GET' | 'POST',
      (path: string, o: unknown) => Promise<{ response: Response; data?: unknown; error?: unknown }>
    >;
    let coupon = '';
    for (const c of calls(doc)) {
      const body = JSON.parse(JSON.stringify(c.options).replace(/CP7K2M…/g, coupon)) as Call['options'];
      const { response, data, error } = await send[c.method](c.template, body);
      const answer = data ?? error;
      const where = `docs/pos-api.md line ${c.ex.line}: ${c.method} ${c.ex.path} answered ${response.status} ${JSON.stringify(answer)}`;
      expect(response.status, where).toBe(c.ex.answer?.status ?? response.status);
      if (!c.ex.answer) expect(response.status, where).toBeLessThan(300);
      for (const [key, value] of literalPairs(c.ex.answer?.text ?? '')) {
        expect(JSON.stringify(answer), `${where}\nexpected "${key}": ${JSON.stringify(value)}`).toContain(
          `"${key}":${JSON.stringify(value)}`,
        );
      }
      const code = (answer as { coupon?: { code?: string } } | undefined)?.coupon?.code;
      if (code) coupon = code;
    }
  });
});
