/**
 * Issuing a till's identity (`add-till`): a 32-byte random secret, printed once as hex for the
 * till's TILL_SECRET and kept encrypted at head office (the HMAC needs the secret itself), and
 * head office's answer-signing public key for the till's TILL_HQ_PUBLIC_KEY.
 */
import { randomBytes } from 'node:crypto';
import { TillId } from '../core/sync/protocol.js';
import { HQ_STORE_ID, HQ_TILL_ID } from './domain/decisions.js';
import { PlaceName } from './provisioning-schemas.js';
import type { HqStore, PlaceNames } from './store/types.js';

export class ProvisionError extends Error {
  readonly code = 'bad_id';
}

export interface IssuedTill {
  tillId: string;
  storeId: string;
  secret: string;
}

export async function addTill(
  store: HqStore,
  storeId: string,
  tillId: string,
  now = new Date(),
  names: PlaceNames = {},
): Promise<IssuedTill> {
  for (const [what, id] of [
    ['store', storeId],
    ['till', tillId],
  ] as const) {
    if (!TillId.safeParse(id).success) {
      throw new ProvisionError(`${what} id must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`);
    }
  }
  // Head office's own chain is till `hq` of store `hq` (store/sqlite-decisions.ts): no till may join it.
  if (tillId === HQ_TILL_ID || storeId === HQ_STORE_ID) {
    throw new ProvisionError(`'${HQ_TILL_ID}' is reserved for head office's own chain; choose another id`);
  }
  for (const [what, name] of [
    ['store name', names.storeName],
    ['till name', names.tillName],
  ] as const) {
    if (name != null && !PlaceName.safeParse(name).success) {
      throw new ProvisionError(`${what} must be 1-64 characters, no control characters, got ${JSON.stringify(name)}`);
    }
  }
  const secret = randomBytes(32).toString('hex');
  await store.addTill(storeId, tillId, secret, now, names);
  return { tillId, storeId, secret };
}

/** The lines `add-till` prints, ready to paste into the till's environment (TILL_HQ_URL and TILL_HQ_PUBLIC_KEY follow). */
export function envLines(t: IssuedTill): string {
  return `TILL_ID=${t.tillId}\nTILL_STORE_ID=${t.storeId}\nTILL_SECRET=${t.secret}\n`;
}

/**
 * The line giving a till head office's answer-signing public key (core/sync/sign.ts): base64
 * of the raw 32-byte Ed25519 key. Public: it lets a till verify answers, not make them.
 */
export function publicKeyLine(publicKeyText: string): string {
  return `TILL_HQ_PUBLIC_KEY=${publicKeyText}\n`;
}
