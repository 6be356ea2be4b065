/** The change rows read for a batch of feed polls hold every till's page (feed-pages.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageOf, pageReads } from './feed-pages.js';

describe('feed page reads', () => {
  it('read once per cluster, give each ask exactly the page it would read alone', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 })),
        fc.array(fc.record({ after: fc.integer({ min: 0, max: 420 }), limit: fc.integer({ min: 1, max: 50 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 100 }),
        (cursors, asks, span) => {
          const rows = [...cursors].sort((a, b) => a - b).map((cursor) => ({ cursor }));
          const reads = pageReads(asks, span);
          expect(reads.flatMap((r) => r.asks).sort((a, b) => a - b)).toEqual(asks.map((_, i) => i));
          for (const read of reads) {
            // What `SELECT ... WHERE cursor > low ORDER BY cursor LIMIT need` returns.
            const got = rows.filter((r) => r.cursor > read.low).slice(0, read.need);
            for (const i of read.asks) {
              const ask = asks[i] as (typeof asks)[number];
              expect(ask.after - read.low).toBeLessThanOrEqual(span);
              expect(pageOf(got, ask)).toEqual(pageOf(rows, ask));
            }
          }
        },
      ),
    );
  });
});
