import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OwnIdentifications } from './own-identifications.js';

describe('OwnIdentifications', () => {
  it("knows the screen's own event by its id, whenever it comes", () => {
    const own = new OwnIdentifications();
    const id = own.next();
    expect(own.isOwn(id)).toBe(true);
    // replayed after a reconnect, long after the answer: still the screen's own
    expect(own.isOwn(id)).toBe(true);
  });

  it("takes an event without an id, or with another asker's id, for someone else's", () => {
    const own = new OwnIdentifications();
    own.next();
    expect(own.isOwn(undefined)).toBe(false); // the till's reader, or a POS that sends no id
    expect(own.isOwn('pos-7')).toBe(false);
  });

  it('gives every identification a fresh id of 32 hex digits', () => {
    const own = new OwnIdentifications();
    const ids = new Set(Array.from({ length: 100 }, () => own.next()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('remembers the newest ids only (a failed identification publishes nothing)', () => {
    let n = 0;
    const own = new OwnIdentifications(3, () => `id${++n}`);
    for (let i = 0; i < 5; i++) own.next();
    expect(['id1', 'id2', 'id3', 'id4', 'id5'].map((id) => own.isOwn(id))).toEqual([false, false, true, true, true]);
  });

  it('property: an id is own exactly when it is among the last `keep` the screen gave out', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.constant<'next'>('next'), fc.nat({ max: 40 })), { maxLength: 60 }),
        (keep, steps) => {
          let n = 0;
          const own = new OwnIdentifications(keep, () => `id${n++}`);
          for (const step of steps) {
            if (step === 'next') own.next();
            else expect(own.isOwn(`id${step}`)).toBe(step < n && step >= n - keep);
          }
        },
      ),
    );
  });
});
