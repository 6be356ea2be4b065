/**
 * A feed page's JSON text, with each balance change's text kept while its object is: every
 * till reads the same balance changes (the same objects, store/feed.ts), and each carries a
 * member's whole state, so turning them into text once per change rather than once per till
 * and poll is most of what a poll used to cost. The text equals JSON.stringify of the page.
 */
import type { SealedChange, SealedChangesResponse } from '../../core/sync/protocol.js';
import { personalKey } from '../../core/sync/personal.js';
import { RecentCache } from '../store/cache.js';

const texts = new WeakMap<object, string>();

function changeJson(c: SealedChange): string {
  if (c.type !== 'balance') return JSON.stringify(c);
  let t = texts.get(c);
  if (t === undefined) {
    t = JSON.stringify(c);
    texts.set(c, t);
  }
  return t;
}

export function pageJson(page: SealedChangesResponse): string {
  const { changes, ...rest } = page;
  // `rest` always holds the cursor, so its text is `{"cursor":...}`.
  return `{"changes":[${changes.map(changeJson).join(',')}],${JSON.stringify(rest).slice(1)}`;
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
