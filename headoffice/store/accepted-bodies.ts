/**
 * The batches this process accepted into the inbox, kept parsed until it applies them, so
 * applying does not read back, decrypt and parse the bodies it has just sealed (a tenth of an
 * apply pass's time on PostgreSQL, where a body comes back as hex text).
 *
 * The inbox row stays the truth: a body not kept here (accepted by another process, before a
 * restart, or past the bound) is read from it as before. A kept body is used only for the row
 * it was accepted as: the same id, till, first seq and chain head after it. SQLite may give a
 * deleted row's id to a new one, and a till's chain through a seq never changes, so a match
 * is the same batch. Kept bodies are frozen: applying must not change what a retried pass, or
 * the row, would give it.
 */
import type { UploadBatch } from '../../core/sync/protocol.js';

/** Entries kept at most: a backlog past it is read from the inbox, oldest first, as before. */
export const ACCEPTED_BODIES_MAX_ENTRIES = 50_000;

/** What identifies an inbox row's batch. */
export interface InboxBatchKey {
  id: number;
  tillId: string;
  firstSeq: number;
  lastHash: string;
}

interface Kept extends InboxBatchKey {
  batch: UploadBatch;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class AcceptedBodies {
  private readonly byId = new Map<number, Kept>();
  private entries = 0;

  constructor(private readonly maxEntries = ACCEPTED_BODIES_MAX_ENTRIES) {}

  /**
   * After the accepting transaction committed. Past the bound the newest are the ones not
   * kept: applying takes the oldest first, so those kept are the next used.
   */
  keep(key: InboxBatchKey, batch: UploadBatch): void {
    const n = batch.entries.length;
    if (this.entries + n > this.maxEntries || this.byId.has(key.id)) return;
    this.byId.set(key.id, { ...key, batch: deepFreeze(batch) });
    this.entries += n;
  }

  /** The batch accepted as this row, taken out (a pass rolled back reads the row instead); undefined when not kept. */
  take(key: InboxBatchKey): UploadBatch | undefined {
    const k = this.byId.get(key.id);
    if (!k) return undefined;
    this.byId.delete(key.id);
    this.entries -= k.batch.entries.length;
    const same = k.tillId === key.tillId && k.firstSeq === key.firstSeq && k.lastHash === key.lastHash;
    return same ? k.batch : undefined;
  }

  /**
   * Drops the batches kept for rows below `id`, the oldest row an apply pass found waiting:
   * rows are applied oldest first, so those were applied (by another process, when this one
   * still holds them) or belong to a till set aside, whose retry reads its rows. Without it a
   * process whose accepted batches another process applies would fill its bound with them.
   */
  forgetBelow(id: number): void {
    for (const [k, v] of this.byId) {
      if (k >= id) continue;
      this.byId.delete(k);
      this.entries -= v.batch.entries.length;
    }
  }

  clear(): void {
    this.byId.clear();
    this.entries = 0;
  }

  get size(): number {
    return this.byId.size;
  }
}
