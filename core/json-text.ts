/**
 * What a request body may hold beyond being valid JSON, checked once where bodies are parsed (the
 * till's POS API, every head-office route):
 *
 * - no NUL character and no lone surrogate in any string or key. JSON's escapes can carry both,
 *   but PostgreSQL's text and jsonb refuse NUL (a batch holding one was acknowledged on PostgreSQL
 *   and then could not be applied, stopping its till), and a lone surrogate is stored as U+FFFD
 *   by SQLite, so what was answered as kept is not what was kept (and not what a hash covered);
 * - at most MAX_JSON_DEPTH levels of nesting: every recursive walk after parsing (canonical JSON
 *   for the hash chain, JSON.stringify) would otherwise overflow the stack on a body nested a
 *   hundred thousand deep, answering 500 to a till that would send it again forever.
 *
 * Pure: no I/O.
 */

/**
 * A body's bytes as text when they are UTF-8, else null: decoding with replacement would turn
 * GBK text from a POS (or garbage bytes) into U+FFFD silently, so a name would be kept as
 * "\ufffd\ufffd" rather than refused. A BOM is kept, so JSON.parse refuses it as before.
 */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Deeper than any body the APIs take (a sale's lines, a rule set, a batch's entries). */
export const MAX_JSON_DEPTH = 64;

export interface JsonTextProblem {
  problem: 'text' | 'depth';
  /** where, as a dotted path from the body's root ("entries.3.data.note") */
  field: string;
  message: string;
}

// A high surrogate not followed by a low one, a low one not preceded by a high one, or NUL.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const BAD_TEXT = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/;

const fieldOf = (path: readonly (string | number)[]): string => path.join('.') || '(root)';

/** The first problem found in a parsed JSON value, or null. */
export function jsonTextProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonTextProblem | null {
  const path: (string | number)[] = [];
  const walk = (v: unknown, depth: number): JsonTextProblem | null => {
    if (typeof v === 'string') {
      return BAD_TEXT.test(v)
        ? {
            problem: 'text',
            field: fieldOf(path),
            message: `${fieldOf(path)} holds a NUL character or a lone surrogate`,
          }
        : null;
    }
    if (v === null || typeof v !== 'object') return null;
    if (depth >= maxDepth) {
      return { problem: 'depth', field: fieldOf(path), message: `the body is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        const found = walk(v[i], depth + 1);
        if (found) return found;
        path.pop();
      }
      return null;
    }
    for (const [k, x] of Object.entries(v)) {
      path.push(k);
      const found = BAD_TEXT.test(k)
        ? { problem: 'text' as const, field: fieldOf(path), message: 'a key holds a NUL character or a lone surrogate' }
        : walk(x, depth + 1);
      if (found) return found;
      path.pop();
    }
    return null;
  };
  return walk(value, 0);
}
