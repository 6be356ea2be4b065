import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './hash.js';

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
});
