import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, entryText } from './hash.js';

/** The definition canonicalJson must reproduce byte for byte: every stored hash depends on it. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => reference(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('is the reference text for any JSON-like value, undefined members and odd keys included', () => {
    const value = fc.anything({
      withNullPrototype: true,
      withObjectString: false,
      withBoxedValues: false,
      withMap: false,
      withSet: false,
      withBigInt: false,
      withDate: false,
      withTypedArray: false,
      withSparseArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every level and leaves undefined out', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined, 'x'], c: undefined, '"': -0 } })).toBe(
      '{"a":{"\\"":0,"d":[1,,"x"]},"b":1}',
    );
  });

  it('hashes an entry as the reference text of the entry without its hash, whatever its fields', () => {
    const FIELDS = [
      'tillId',
      'seq',
      'memberNo',
      'kind',
      'points',
      'spend',
      'occurredAt',
      'localDate',
      'expiresOn',
      'saleId',
      'returnId',
      'data',
      'prevHash',
    ];
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean());
    const entry = fc
      .record({
        fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS), leaf), { maxLength: 20 }),
        data: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        hash: fc.option(fc.string(), { nil: undefined }),
        hasHashKey: fc.boolean(),
        extra: fc.option(fc.tuple(fc.string(), leaf), { nil: undefined }),
        full: fc.boolean(),
      })
      .map(({ fields, data, hash, hasHashKey, extra, full }) => {
        const e: Record<string, unknown> = {};
        // Often the complete, all-defined shape of a real entry, in the till's key order.
        if (full) for (const f of FIELDS) e[f] = f === 'data' ? (data ?? {}) : `${f}-v`;
        for (const [k, v] of fields) e[k] = v;
        if (data !== undefined) e.data = data;
        if (hasHashKey) e.hash = hash;
        if (extra) e[extra[0]] = extra[1];
        return e;
      });
    fc.assert(
      fc.property(entry, (e) => {
        const { hash: _hash, ...unsigned } = e;
        expect(entryText(e)).toBe(reference('hash' in e ? unsigned : e));
      }),
      { numRuns: 3000 },
    );
  });
});
