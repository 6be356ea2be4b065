/**
 * The `curl` examples of docs/pos-api.md as data: method, path, body and the answer shown under
 * each (test/docs-examples.test.ts runs them; test/openapi-client.test.ts sends them through a
 * client generated from the OpenAPI document).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const POS_API_DOC = join(import.meta.dirname, '..', '..', 'docs', 'pos-api.md');

export function posApiExamples(): DocExample[] {
  return examples(readFileSync(POS_API_DOC, 'utf8'));
}

export interface DocExample {
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
export function examples(markdown: string): DocExample[] {
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
export function literalPairs(text: string): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (const m of text.matchAll(/"(\w+)":\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)) {
    const raw = m[2] ?? '';
    if (raw.includes('…')) continue;
    pairs.push([m[1] ?? '', JSON.parse(raw) as unknown]);
  }
  return pairs;
}
