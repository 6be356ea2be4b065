/**
 * Issue 14: docs/pos-api.md's examples run as written. Every `curl` of the walk-through is
 * sent, in the page's order, to a real till (a new data folder whose till code is 18349, as the
 * page says, its clock on the page's day), and each answer shown under a command is checked:
 * its status, and every `"key":value` with a literal value somewhere in the answer. `…` and
 * `...` mark what the page leaves out; `CP7K2M…` stands for the coupon code answered before.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../main/db/open.js';
import { setMeta } from '../main/service/identity.js';
import { createTill, type Till } from '../main/service/till.js';
import { examples, literalPairs } from './helpers/doc-examples.js';
import { POS_KEY, testConfig } from './helpers/till.js';

const ROOT = join(import.meta.dirname, '..');

/** Whether some object in the answer has `key` with `value`. */
function holds(answer: unknown, key: string, value: unknown): boolean {
  if (Array.isArray(answer)) return answer.some((x) => holds(x, key, value));
  if (answer === null || typeof answer !== 'object') return false;
  const o = answer as Record<string, unknown>;
  if (key in o && JSON.stringify(o[key]) === JSON.stringify(value)) return true;
  return Object.values(o).some((v) => holds(v, key, value));
}

describe('docs/pos-api.md runs as written', () => {
  let till: Till;
  let dir: string;
  const doc = readFileSync(join(ROOT, 'docs', 'pos-api.md'), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'till-docs-'));
    // The page's member numbers are those of a till whose code is 18349.
    const db = openDatabase(join(dir, 'till.db'));
    setMeta(db, 'till_code', '18349');
    db.close();
    const now = new Date('2026-11-23T10:20:00+08:00');
    till = await createTill(testConfig(dir, { tillId: 'till-docs' }), { now: () => now, quiet: true });
  });
  afterAll(async () => {
    await till?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the walk-through', () => {
    const all = examples(doc);
    expect(all.length).toBeGreaterThan(12);
    expect(all.filter((e) => e.path === '/v1/sales').length).toBeGreaterThanOrEqual(4);
  });

  it('every example answers what the page shows', async () => {
    let coupon = '';
    for (const ex of examples(doc)) {
      const body = ex.body?.replace(/CP7K2M…/g, coupon) ?? null;
      if (body !== null) expect(() => JSON.parse(body) as unknown, `line ${ex.line}: the body is JSON`).not.toThrow();
      const res = await fetch(`${till.url}${ex.path}`, {
        method: ex.method,
        headers: { authorization: `Bearer ${POS_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      });
      const answer = (await res.json()) as unknown;
      const where = `docs/pos-api.md line ${ex.line}: ${ex.method} ${ex.path} answered ${res.status} ${JSON.stringify(answer)}`;
      if (ex.answer) expect(res.status, where).toBe(ex.answer.status);
      else expect(res.status, where).toBeLessThan(300);
      for (const [key, value] of literalPairs(ex.answer?.text ?? '')) {
        expect(holds(answer, key, value), `${where}\nexpected "${key}": ${JSON.stringify(value)}`).toBe(true);
      }
      const code = (answer as { coupon?: { code?: string } }).coupon?.code;
      if (code) coupon = code;
    }
  });
});
