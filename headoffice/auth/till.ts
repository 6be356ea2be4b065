/**
 * Till authentication (core/sync/sign.ts describes the scheme), in two steps so nothing of a
 * body is read for a stranger (issue 11, finding 6):
 *
 * 1. identifyTill, from the headers alone: the Authorization and timestamp headers are well
 *    formed, the till is known (an unknown till is refused and counted against nobody), and
 *    the timestamp is within the skew window. Only then is the body read.
 * 2. verifyTill, with the bytes on the wire: the signature. A failure counts against the named,
 *    known till (`badSignatures`): only a request that passed step 1 can raise that counter.
 *    A signature seen before within the window is refused as `replayed` (auth/replay.ts).
 */
import type { IncomingMessage } from 'node:http';
import { MAX_CLOCK_SKEW_MS, TIMESTAMP_HEADER } from '../../core/sync/protocol.js';
import { parseTillAuthorization, sha256Hex, verifySignature } from '../../core/sync/sign.js';
import { HttpError, unauthorized } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { HqStore, TillAuthRecord } from '../store/types.js';
import type { ReplayCache } from './replay.js';
import { requestClient } from '../http/proxies.js';

export interface TillAuthDeps {
  store: HqStore;
  log: Logger;
  now: () => Date;
  replays: ReplayCache;
}

/** A request that named a known till in time; its signature is not checked yet. */
export interface TillClaim {
  till: TillAuthRecord;
  signature: string;
  ts: number;
}

export async function identifyTill(deps: TillAuthDeps, req: IncomingMessage): Promise<TillClaim> {
  const auth = parseTillAuthorization(req.headers.authorization);
  if (!auth) throw unauthorized('sync requests need "Authorization: Till <tillId>:<signature>"');
  const tsHeader = req.headers[TIMESTAMP_HEADER];
  const ts = typeof tsHeader === 'string' && /^\d{1,16}$/.test(tsHeader) ? Number(tsHeader) : NaN;
  if (!Number.isSafeInteger(ts)) throw unauthorized(`sync requests need ${TIMESTAMP_HEADER} in milliseconds`);
  const till = await deps.store.tillAuth(auth.tillId);
  if (!till) {
    deps.log.log('warn', 'unknown_till', { tillId: auth.tillId, remote: requestClient(req) ?? null });
    throw unauthorized('unknown till or bad signature');
  }
  const now = deps.now().getTime();
  if (Math.abs(now - ts) > MAX_CLOCK_SKEW_MS) {
    deps.log.log('warn', 'clock_skew', { tillId: till.tillId, skewMs: ts - now });
    throw new HttpError(401, 'clock_skew', `the till's clock is more than 5 minutes off head office's`, {
      serverTime: new Date(now).toISOString(),
    });
  }
  return { till: till, signature: auth.signature, ts };
}

export async function verifyTill(
  deps: TillAuthDeps,
  req: IncomingMessage,
  target: string,
  claim: TillClaim,
  rawBody: Buffer,
): Promise<TillAuthRecord> {
  const { till, signature, ts } = claim;
  if (!verifySignature(till.secret, req.method ?? '', target, ts, sha256Hex(rawBody), signature)) {
    await deps.store.recordBadSignature(till.tillId);
    const remote = requestClient(req) ?? null;
    deps.log.log('warn', 'bad_signature', { tillId: till.tillId, method: req.method, path: target, remote });
    throw unauthorized('unknown till or bad signature');
  }
  if (!deps.replays.admit(till.tillId, signature, ts, deps.now().getTime())) {
    deps.log.log('warn', 'replayed', { tillId: till.tillId, method: req.method, path: target });
    throw new HttpError(409, 'replayed', 'this signed request was already received; sign each request afresh');
  }
  return till;
}

/** Both steps, for requests without a body (GET). */
export async function authenticateTill(
  deps: TillAuthDeps,
  req: IncomingMessage,
  target: string,
  rawBody: Buffer,
): Promise<TillAuthRecord> {
  return verifyTill(deps, req, target, await identifyTill(deps, req), rawBody);
}
