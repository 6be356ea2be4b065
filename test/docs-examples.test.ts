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
import { POS_KEY, testConfig } from './helpers/till.js';

const ROOT = join(import.meta.dirname, '..');

interface DocExample {
  line: number;
  method: 'GET' | 'POST';
  path: string;
  body: string | null;
  /** the answer shown under the command: status and the JSON-ish text after it */
  answer: { status: number; text: string } | null;
}

/** The first `{…}` of `text`, braces balanced; what follows it is a note in words. */
function firstObject(text: string): string {
  const start = text.indexOf('{');
  if (start < 0) return '';
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

function parseCommand(command: string, line: number, comment: string | undefined): DocExample {
  const path = /\$U(\/\S+?)(?:\s|$)/.exec(command)?.[1] ?? '';
  const body = /-d '([\s\S]*)'/.exec(command)?.[1] ?? null;
  const a = comment ? /^#\s+(\d{3})\b(.*)$/.exec(comment) : null;
  return {
    line,
    method: body === null ? 'GET' : 'POST',
    path,
    body,
    answer: a ? { status: Number(a[1]), text: firstObject(a[2] ?? '') } : null,
  };
}

/** The `curl` commands of the page's sh blocks, each with the comment line right under it. */
function examples(markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const out: DocExample[] = [];
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.startsWith('```')) inSh = !inSh && l.startsWith('```sh');
    if (!inSh || !l.startsWith('curl ')) continue;
    let command = l;
    // A body spans lines until its closing quote.
    while ((command.match(/'/g)?.length ?? 0) % 2 === 1 && i + 1 < lines.length) command += `\n${lines[++i]}`;
    const next = lines[i + 1];
    out.push(parseCommand(command.replace(/\s+#.*$/, ''), i + 1, next?.startsWith('#') ? next : undefined));
  }
  return out;
}

/** `"key":value` pairs with a literal value (number, true/false/null, or a string without …). */
function literalPairs(text: string): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (const m of text.matchAll(/"(\w+)":\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)) {
    const raw = m[2] ?? '';
    if (raw.includes('…')) continue;
    pairs.push([m[1] ?? '', JSON.parse(raw) as unknown]);
  }
  return pairs;
}

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
