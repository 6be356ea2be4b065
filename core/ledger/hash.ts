/**
 * The tamper-evident chain (DOMAIN.md 10): each entry's hash covers its canonical JSON
 * and the previous entry's hash, so head office can verify a till's whole history.
 * node:crypto's hash is deterministic computation, not I/O, so it is allowed in core/.
 */
import { createHash } from 'node:crypto';
import type { LedgerEntry, UnsignedEntry } from './entry.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so the same entry hashes the same everywhere. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function entryHash(e: UnsignedEntry): string {
  return createHash('sha256').update(e.prevHash).update('\n').update(canonicalJson(e)).digest('hex');
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
    const { hash, ...unsigned } = e;
    if (entryHash(unsigned) !== hash) return { ok: false, seq: e.seq, reason: 'hash' };
    prev = hash;
    expectSeq += 1;
  }
  return { ok: true, head: prev };
}
