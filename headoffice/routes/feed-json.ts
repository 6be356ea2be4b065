/**
 * A feed page's body as UTF-8 bytes, with each balance change's bytes kept while its object is:
 * every till reads the same balance changes (the same objects, store/feed.ts), and each carries
 * a member's whole state, so encoding them once per change rather than once per till and poll
 * is most of what a poll used to cost. Bytes, not text: a page of a few hundred kilobytes built
 * as a string was then scanned for its length, encoded for its signature's hash and encoded
 * again for the socket (server.ts), and those passes cost more than the hash itself (seventeenth
 * session, headoffice/README.md). The bytes equal JSON.stringify of the page, encoded.
 */
import type { SealedChange, SealedChangesResponse } from '../../core/sync/protocol.js';
import { personalKey } from '../../core/sync/personal.js';
import { RecentCache } from '../store/cache.js';

const kept = new WeakMap<object, Buffer>();

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

function changeBytes(c: SealedChange): Buffer {
  // Other changes are made for each poll (a member's is sealed to the asking till): not kept.
  if (c.type !== 'balance') return utf8(JSON.stringify(c));
  let b = kept.get(c);
  if (b === undefined) {
    b = utf8(JSON.stringify(c));
    kept.set(c, b);
  }
  return b;
}

const OPEN = utf8('{"changes":[');
const COMMA = utf8(',');

export function pageBytes(page: SealedChangesResponse): Buffer {
  const { changes, ...rest } = page;
  const parts: Buffer[] = [OPEN];
  changes.forEach((c, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(changeBytes(c));
  });
  // `rest` always holds the cursor, so its text is `{"cursor":...}`.
  parts.push(utf8(`],${JSON.stringify(rest).slice(1)}`));
  return Buffer.concat(parts);
}

/** A till's key for sealing personal fields (HKDF of its secret), derived once per secret. */
const keys = new RecentCache<string, Buffer>(10_000);

export function tillPersonalKey(secret: string): Buffer {
  let k = keys.get(secret);
  if (!k) {
    k = personalKey(secret);
    keys.set(secret, k);
  }
  return k;
}
