/** Accepted bodies kept for applying (accepted-bodies.ts): used once, only for their own row, bounded, frozen. */
import { describe, expect, it } from 'vitest';
import type { UploadBatch } from '../../core/sync/protocol.js';
import { AcceptedBodies, type InboxBatchKey } from './accepted-bodies.js';

function batch(firstSeq: number, entries: number): UploadBatch {
  return {
    tillId: 'T1',
    storeId: 'S1',
    firstSeq,
    lastSeq: firstSeq + entries - 1,
    prevHash: 'p',
    entries: Array.from({ length: entries }, (_, i) => ({ seq: firstSeq + i, data: { note: 'x' } })),
    members: [],
    sales: [],
    returns: [],
  } as unknown as UploadBatch;
}

const key = (id: number, firstSeq: number, lastHash = `h${firstSeq}`): InboxBatchKey => ({
  id,
  tillId: 'T1',
  firstSeq,
  lastHash,
});

describe('AcceptedBodies', () => {
  it('gives a kept batch once, for the row it was accepted as', () => {
    const kept = new AcceptedBodies();
    const b = batch(1, 3);
    kept.keep(key(7, 1), b);
    expect(kept.take(key(7, 1))).toBe(b);
    expect(kept.take(key(7, 1))).toBeUndefined();
  });

  it('gives nothing for another row under the same id (SQLite reuses a deleted row id)', () => {
    const kept = new AcceptedBodies();
    kept.keep(key(7, 1), batch(1, 3));
    expect(kept.take(key(7, 4))).toBeUndefined();
    kept.keep(key(8, 4, 'a'), batch(4, 3));
    expect(kept.take(key(8, 4, 'b'))).toBeUndefined();
    expect(kept.take({ ...key(9, 1), tillId: 'T2' })).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('keeps the oldest within its bound and the newest not, and counts what it gives back', () => {
    const kept = new AcceptedBodies(5);
    kept.keep(key(1, 1), batch(1, 3));
    kept.keep(key(2, 4), batch(4, 3));
    expect(kept.size).toBe(1);
    expect(kept.take(key(2, 4))).toBeUndefined();
    expect(kept.take(key(1, 1))).toBeDefined();
    kept.keep(key(3, 4), batch(4, 5));
    expect(kept.take(key(3, 4))).toBeDefined();
  });

  it('forgets the batches below the oldest row waiting (applied by another process)', () => {
    const kept = new AcceptedBodies();
    kept.keep(key(1, 1), batch(1, 3));
    kept.keep(key(2, 4), batch(4, 3));
    kept.keep(key(5, 7), batch(7, 3));
    kept.forgetBelow(5);
    expect(kept.size).toBe(1);
    expect(kept.take(key(5, 7))).toBeDefined();
    // The entries it counted went with them: the bound holds as many again.
    const small = new AcceptedBodies(6);
    small.keep(key(1, 1), batch(1, 6));
    small.forgetBelow(2);
    small.keep(key(2, 7), batch(7, 6));
    expect(small.size).toBe(1);
  });

  it('freezes what it keeps, so applying cannot change it', () => {
    const kept = new AcceptedBodies();
    const b = batch(1, 1);
    kept.keep(key(1, 1), b);
    expect(() => {
      (b.entries[0] as unknown as { data: { note: string } }).data.note = 'y';
    }).toThrow(TypeError);
  });
});
