/** Natural batching (batcher.ts): at once when idle, together when busy, failures kept apart. */
import { describe, expect, it } from 'vitest';
import { NaturalBatcher } from './batcher.js';

function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('NaturalBatcher', () => {
  it('answers a lone request on the next turn and those that came meanwhile in one batch', async () => {
    const batches: number[][] = [];
    const first = gate();
    const b = new NaturalBatcher<number, number>(async (reqs) => {
      batches.push([...reqs]);
      if (batches.length === 1) await first.wait;
      return reqs.map((r) => r * 10);
    });
    const lone = b.submit(1);
    await nextTurn();
    expect(batches).toEqual([[1]]);
    const later = [b.submit(2), b.submit(3), b.submit(4)];
    first.open();
    expect(await lone).toBe(10);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the request answered with an error, and every request of a batch that throws', async () => {
    let fail = false;
    const b = new NaturalBatcher<number, number>(async (reqs) => {
      if (fail) throw new Error('database gone');
      return reqs.map((r) => (r === 2 ? new Error('no such till') : r));
    });
    const out = await Promise.allSettled([b.submit(1), b.submit(2), b.submit(3)]);
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    fail = true;
    await expect(b.submit(4)).rejects.toThrow('database gone');
    fail = false;
    expect(await b.submit(5)).toBe(5);
  });

  it('takes requests made in the same turn together, at most `max` in a batch', async () => {
    const sizes: number[] = [];
    const first = gate();
    const b = new NaturalBatcher<number, number>(async (reqs) => {
      sizes.push(reqs.length);
      if (sizes.length === 1) await first.wait;
      return [...reqs];
    }, 3);
    const all = Array.from({ length: 8 }, (_, i) => b.submit(i));
    await nextTurn();
    first.open();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 2]);
  });
});
