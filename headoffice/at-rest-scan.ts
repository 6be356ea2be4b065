/**
 * Test helper (privacy, SECURITY.md "data at rest"): reads every row of every table of a test
 * head office's database, on SQLite or PostgreSQL, and reports where a needle (a member's
 * name, phone, age band, an interest tag) appears, in plain text, or (with `cipher`) inside a
 * value head office's field key opens. `cipherOf` opens what head office sealed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HqCipher } from './crypto.js';
import { sealedText } from './store/inbox-body.js';
import { testStore, type TestHq } from './test-helpers.js';

export function cipherOf(t: TestHq): HqCipher {
  const raw = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8')) as { dataKey: string; lookupKey: string };
  return new HqCipher({ dataKey: Buffer.from(raw.dataKey, 'base64'), lookupKey: Buffer.from(raw.lookupKey, 'base64') });
}

export interface Hit {
  table: string;
  column: string;
  how: 'plain' | 'decrypted';
  needle: string;
  sample: string;
}

async function tables(t: TestHq): Promise<string[]> {
  const rows =
    testStore() === 'postgres'
      ? await t.sql<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
      : await t.sql<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        );
  return rows.map((r) => r.name).sort();
}

function texts(v: unknown, cipher: HqCipher | null): { text: string; how: 'plain' | 'decrypted' }[] {
  if (v === null || v === undefined) return [];
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    const b = Buffer.from(v);
    const out: { text: string; how: 'plain' | 'decrypted' }[] = [
      { text: b.toString('utf8'), how: 'plain' },
      { text: b.toString('utf16le'), how: 'plain' },
    ];
    if (cipher && b.length >= 29) {
      try {
        out.push({ text: sealedText(cipher, b).text, how: 'decrypted' });
      } catch {
        // not one of head office's envelopes
      }
    }
    return out;
  }
  if (typeof v === 'object') return [{ text: JSON.stringify(v), how: 'plain' }];
  return [{ text: String(v), how: 'plain' }];
}

/** Every place a needle shows; `cipher` also opens blobs sealed with head office's field key. */
export async function scan(t: TestHq, needles: readonly string[], cipher: HqCipher | null = null): Promise<Hit[]> {
  await t.hq.store.settle();
  const hits: Hit[] = [];
  for (const table of await tables(t)) {
    const rows = await t.sql<Record<string, unknown>>(`SELECT * FROM "${table}"`);
    for (const row of rows) {
      for (const [column, v] of Object.entries(row)) {
        for (const { text, how } of texts(v, cipher)) {
          for (const needle of needles) {
            if (text.includes(needle)) {
              const i = text.indexOf(needle);
              hits.push({
                table,
                column,
                how,
                needle,
                sample: text.slice(Math.max(0, i - 40), i + needle.length + 40),
              });
            }
          }
        }
      }
    }
  }
  // one hit per place
  const seen = new Set<string>();
  return hits.filter((h) => {
    const k = `${h.table}.${h.column}.${h.how}.${h.needle}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
