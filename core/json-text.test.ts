import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextProblem, MAX_JSON_DEPTH, utf8Text } from './json-text.js';

describe('jsonTextProblem', () => {
  it('passes Chinese, emoji (surrogate pairs) and control characters other than NUL', () => {
    expect(jsonTextProblem({ name: '王小明', note: '👍 ok\t\n', n: [1, null, true, { x: 'é' }] })).toBeNull();
  });

  it('names the field holding a NUL or a lone surrogate, in a value or a key', () => {
    expect(jsonTextProblem({ entries: [{ data: { code: 'A\u0000B' } }] })).toMatchObject({
      problem: 'text',
      field: 'entries.0.data.code',
    });
    expect(jsonTextProblem({ name: 'x\ud800' })?.field).toBe('name');
    expect(jsonTextProblem({ name: '\udc00x' })?.field).toBe('name');
    expect(jsonTextProblem({ ['k\u0000']: 1 })?.field).toBe('k\u0000');
    expect(jsonTextProblem('\u0000')?.field).toBe('(root)');
  });

  it('refuses nesting past the limit and takes it up to the limit', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(jsonTextProblem(nest(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonTextProblem(nest(MAX_JSON_DEPTH + 1))?.problem).toBe('depth');
    expect(jsonTextProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))?.problem).toBe('depth');
  });

  it('property: a value is refused exactly when some string or key in it holds NUL or a lone surrogate', () => {
    const roundTrips = (x: string): boolean => new TextDecoder().decode(new TextEncoder().encode(x)) === x;
    const bad = (x: string): boolean => x.includes('\u0000') || !roundTrips(x);
    const anyBad = (v: unknown): boolean =>
      typeof v === 'string'
        ? bad(v)
        : v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => bad(k) || anyBad(x));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary' }), (v, text) => {
        expect(jsonTextProblem(v) !== null).toBe(anyBad(v));
        expect(jsonTextProblem({ v, text }) !== null).toBe(anyBad(v) || bad(text));
      }),
    );
  });

  it('utf8Text: UTF-8 as text (a BOM kept), anything else null', () => {
    expect(utf8Text(Buffer.from('{"name":"张三"}'))).toBe('{"name":"张三"}');
    expect(utf8Text(Buffer.from([0xef, 0xbb, 0xbf, 0x31]))).toBe('\ufeff1');
    expect(utf8Text(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]))).toBeNull(); // 张三 in GBK
    expect(utf8Text(Buffer.from([0x22, 0xff, 0xfe, 0x80, 0x22]))).toBeNull();
  });
});
