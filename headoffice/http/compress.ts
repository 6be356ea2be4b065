/**
 * Feed pages gzipped on the wire (docs/decisions.md, "Feed pages gzipped"). Every till reads every
 * balance change of the chain: at 2,000 tills the pages came to about 110 MB/s out of head office
 * and about 55 KB/s into each till's store link. The tills ask with `fetch`, which sends
 * `Accept-Encoding: gzip, deflate` and inflates the answer itself, so nothing changes at the till.
 *
 * Only answers a route marks (`Reply.compressible`: the feed's pages) are compressed, and only
 * from FEED_GZIP_MIN_BYTES: a caught-up poll's page is too small to gain. Not the operator API:
 * an answer that mixes a secret with text an outsider can put in it, compressed, tells its size
 * (BREACH); a feed page's personal fields are sealed to the till and its states go to every till.
 *
 * The signature covers the JSON's bytes as before, not the gzip: the till verifies what it inflated.
 */
import { gzip } from 'node:zlib';

/** Below this a page goes as it is. */
export const FEED_GZIP_MIN_BYTES = 8 * 1024;

/** Level 1: most of level 6's saving on these pages (4.1x against 4.2x) for about half the CPU. */
const LEVEL = 1;

/** Whether an Accept-Encoding header admits gzip (a `q=0` refuses it; `*` admits it). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  let star: boolean | null = null;
  for (const item of text.split(',')) {
    const [name = '', ...params] = item.toLowerCase().split(';');
    const coding = name.trim();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const refused = q !== undefined && Number(q.slice(2)) === 0;
    if (coding === 'gzip' || coding === 'x-gzip') return !refused;
    if (coding === '*') star = !refused;
  }
  return star ?? false;
}

/** `body` gzipped off the event loop (zlib's thread pool), or null when that failed: sent as it is then. */
export function gzipped(body: Buffer): Promise<Buffer | null> {
  return new Promise((resolve) => {
    gzip(body, { level: LEVEL }, (err, out) => resolve(err ? null : out));
  });
}
