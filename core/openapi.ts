/**
 * OpenAPI 3.1 pieces derived from zod schemas (the one schema source), shared by the till's
 * POS API document (main/api/openapi.ts) and head office's (headoffice/openapi.ts).
 */
import { z } from 'zod';

export type Json = Record<string, unknown>;

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
/** Keys whose values are maps of names to schemas, not schemas: a property may be called "default". */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);

/**
 * A request schema without `default` keywords, each default said in the description instead.
 * Client generators (openapi-typescript's defaultNonNullable, on by default) make a property
 * with a default required, which is right for an answer the server fills in and wrong for a
 * request: the caller would have to send what the server defaults.
 */
function withoutDefaults(v: unknown, isMap = false): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutDefaults(x));
  if (v === null || typeof v !== 'object') return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    if (!isMap && k === 'default') continue;
    out[k] = withoutDefaults(x, !isMap && SCHEMA_MAPS.has(k));
  }
  const o = v as Json;
  if (!isMap && 'default' in o) {
    const said = `default: ${JSON.stringify(o.default)}`;
    out.description = typeof o.description === 'string' ? `${o.description} (${said})` : said;
  }
  return out;
}

export function schemaOf(s: z.ZodType, io: 'input' | 'output', components: Json): unknown {
  const generated = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const { $defs, ...root } = (io === 'input' ? withoutDefaults(generated) : generated) as Json;
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

export function pathParameters(path: string): { parameters?: unknown[] } {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (names.length === 0) return {};
  return { parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) };
}

/** Query parameters from a zod object of them (as its input: a parameter with a default is optional). */
export function queryParameters(query: z.ZodType | undefined, components: Json): unknown[] {
  if (!query) return [];
  const root = schemaOf(query, 'input', components) as { properties?: Json; required?: string[] };
  return Object.entries(root.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema as Json;
    return {
      name,
      in: 'query',
      required: (root.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}
