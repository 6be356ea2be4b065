/** /v1/openapi.json, generated from the route table's zod schemas (the one schema source). */
import { z } from 'zod';
import { ErrorBody } from './schemas.js';
import type { Route } from './routes.js';
import { TILL_VERSION } from '../service/version.js';

type Json = Record<string, unknown>;

/** Rewrites local "#/$defs/X" (and "#/definitions/X") references to "#/components/schemas/<name>". */
function rewriteRefs(v: unknown, rename: (id: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, rename));
  if (v === null || typeof v !== 'object') return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    const m = k === '$ref' && typeof x === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(x) : null;
    out[k] = m ? `#/components/schemas/${rename(m[1] ?? '')}` : rewriteRefs(x, rename);
  }
  return out;
}

/**
 * JSON Schema 2020-12 (the schema dialect of OpenAPI 3.1) of one zod schema. zod puts the
 * schemas named with `.meta({id})` under the result's own `$defs` and refers to them as
 * "#/$defs/X", which inside an OpenAPI document would point at the document's root, where
 * nothing is; they are moved to `components.schemas` and the references rewritten. An id whose
 * input and output forms differ keeps its name for the first form and gets `_input`/`_output`
 * for the other, so one name never means two different schemas.
 */
function schemaOf(s: z.ZodType, io: 'input' | 'output', components: Json): unknown {
  const { $defs, ...root } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete root.$schema;
  const defs = ($defs ?? {}) as Json;
  const names = new Map<string, string>(Object.keys(defs).map((id) => [id, id]));
  const rename = (id: string): string => names.get(id) ?? id;
  for (let changed = true; changed;) {
    changed = false;
    for (const [id, def] of Object.entries(defs)) {
      const taken = components[id];
      if (names.get(id) !== id || taken === undefined) continue;
      if (JSON.stringify(taken) !== JSON.stringify(rewriteRefs(def, rename))) {
        names.set(id, `${id}_${io}`);
        changed = true;
      }
    }
  }
  for (const [id, def] of Object.entries(defs)) components[rename(id)] ??= rewriteRefs(def, rename);
  return rewriteRefs(root, rename);
}

function pathParameters(path: string): { parameters?: unknown[] } {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (names.length === 0) return {};
  return { parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) };
}

export function openApiDocument(table: readonly Route[]): unknown {
  const schemas: Json = {};
  const error = {
    description: 'error',
    content: { 'application/json': { schema: schemaOf(ErrorBody, 'output', schemas) } },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of table) {
    paths[r.path] ??= {};
    (paths[r.path] as Record<string, unknown>)[r.method.toLowerCase()] = {
      summary: r.summary,
      ...pathParameters(r.path),
      security: [{ posApiKey: [] }],
      ...(r.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(r.request, 'input', schemas) } },
            },
          }
        : {}),
      responses: {
        [String(r.successStatus)]: {
          description: 'success',
          content: { 'application/json': { schema: schemaOf(r.response, 'output', schemas) } },
        },
        '400': error,
        '401': error,
        '404': error,
        '409': error,
        '422': error,
      },
    };
  }
  paths['/v1/events'] = {
    get: {
      summary: 'Server-sent events: card, member, sale, return, quote, sync, device',
      security: [{ posApiKey: [] }],
      responses: { '200': { description: 'text/event-stream' } },
    },
  };
  paths['/v1/openapi.json'] = {
    get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Till loyalty: POS integration API',
      version: TILL_VERSION,
      description:
        'Money is integer fen, points are integers. Errors: {"error":{"code","message","field?"}} with a 4xx status; a 5xx is a defect. saleId and returnId are idempotency keys.',
    },
    servers: [{ url: 'http://127.0.0.1:7420' }],
    components: { schemas, securitySchemes: { posApiKey: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
