/**
 * The tamper-evident chain (DOMAIN.md 10): each entry's hash covers its canonical JSON
 * and the previous entry's hash, so head office can verify a till's whole history.
 * node:crypto's hash is deterministic computation, not I/O, so it is allowed in core/.
 */
import { hash as digest } from 'node:crypto';
import type { LedgerEntry, UnsignedEntry } from './entry.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON.stringify of each key, remembered: entries repeat the same few keys millions of times. */
const keyJson = new Map<string, string>();
function quotedKey(k: string): string {
  let j = keyJson.get(k);
  if (j === undefined) {
    j = JSON.stringify(k);
    if (keyJson.size < 10_000) keyJson.set(k, j);
  }
  return j;
}

/**
 * JSON with object keys sorted at every level, so the same entry hashes the same everywhere.
 * Exactly the text of the plain recursive definition (sorted keys, undefined members left
 * out, JSON.stringify for every leaf); written as loops because every ledger entry is hashed
 * on the till and again at head office.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array.prototype.join: an undefined element (or one JSON cannot show) adds nothing.
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  return objectJson(value as Record<string, unknown>);
}

/** `skip`: a key left out, so a signed entry's text is had without copying it first. */
function objectJson(obj: Record<string, unknown>, skip?: string): string {
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || k === skip) continue;
    if (out.length > 1) out += ',';
    out += `${quotedKey(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** An entry's fields in sorted order, `hash` left out: every entry has exactly these. */
const ENTRY_FIELDS = [
  'data',
  'expiresOn',
  'kind',
  'localDate',
  'memberNo',
  'occurredAt',
  'points',
  'prevHash',
  'returnId',
  'saleId',
  'seq',
  'spend',
  'tillId',
] as const;
const ENTRY_PREFIXES = ENTRY_FIELDS.map((k, i) => `${i === 0 ? '{' : ','}${JSON.stringify(k)}:`);

/**
 * canonicalJson of an entry without `hash`, skipping the key sort when the entry has exactly
 * the entry fields (all defined) and, with `withHash`, `hash`: the text is then the same by
 * construction. Anything else takes the general path.
 */
function entryJson(e: Record<string, unknown>, withHash: boolean): string {
  let n = 0;
  for (const k in e) if (Object.hasOwn(e, k)) n++;
  if (n === ENTRY_FIELDS.length + (withHash ? 1 : 0) && (!withHash || e.hash !== undefined)) {
    let out = '';
    for (let i = 0; i < ENTRY_FIELDS.length; i++) {
      const v = e[ENTRY_FIELDS[i] as string];
      if (v === undefined) return objectJson(e, withHash ? 'hash' : undefined);
      out += `${ENTRY_PREFIXES[i] as string}${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  return objectJson(e, withHash ? 'hash' : undefined);
}

function chainHash(prevHash: string, json: string): string {
  return digest('sha256', `${prevHash}\n${json}`, 'hex');
}

/** Exported for its test: the entry text hashed, equal to canonicalJson without `hash`. */
export function entryText(e: Record<string, unknown>): string {
  return entryJson(e, 'hash' in e);
}

export function entryHash(e: UnsignedEntry): string {
  return chainHash(e.prevHash, entryJson(e as unknown as Record<string, unknown>, false));
}

export function signEntry(e: UnsignedEntry): LedgerEntry {
  return { ...e, hash: entryHash(e) };
}

export type ChainCheck = { ok: true; head: string } | { ok: false; seq: number; reason: 'gap' | 'prev_hash' | 'hash' };

/** Verifies a till's entries in order, continuing from (afterSeq, prevHash). */
export function verifyChain(entries: readonly LedgerEntry[], afterSeq = 0, prevHash = GENESIS_HASH): ChainCheck {
  let expectSeq = afterSeq + 1;
  let prev = prevHash;
  for (const e of entries) {
    if (e.seq !== expectSeq) return { ok: false, seq: e.seq, reason: 'gap' };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, reason: 'prev_hash' };
    if (chainHash(e.prevHash, entryJson(e as unknown as Record<string, unknown>, true)) !== e.hash) {
      return { ok: false, seq: e.seq, reason: 'hash' };
    }
    prev = e.hash;
    expectSeq += 1;
  }
  return { ok: true, head: prev };
}
