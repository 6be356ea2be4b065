/**
 * Till authentication (core/sync/sign.ts describes the scheme). The signature is checked
 * before the clock, so a forged request is counted against the till it claims to be even
 * when its timestamp is also wrong.
 */
import type { IncomingMessage } from 'node:http';
import { MAX_CLOCK_SKEW_MS, TIMESTAMP_HEADER } from '../../core/sync/protocol.js';
import { parseTillAuthorization, sha256Hex, verifySignature } from '../../core/sync/sign.js';
import { HttpError, unauthorized } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { HqStore, TillAuthRecord } from '../store/types.js';

export async function authenticateTill(
  deps: { store: HqStore; log: Logger; now: () => Date },
  req: IncomingMessage,
  target: string,
  rawBody: Buffer,
): Promise<TillAuthRecord> {
  const auth = parseTillAuthorization(req.headers.authorization);
  if (!auth) throw unauthorized('sync requests need "Authorization: Till <tillId>:<signature>"');
  const tsHeader = req.headers[TIMESTAMP_HEADER];
  const ts = typeof tsHeader === 'string' && /^\d{1,16}$/.test(tsHeader) ? Number(tsHeader) : NaN;
  if (!Number.isSafeInteger(ts)) throw unauthorized(`sync requests need ${TIMESTAMP_HEADER} in milliseconds`);
  const remote = req.socket.remoteAddress ?? null;
  const till = await deps.store.tillAuth(auth.tillId);
  if (!till) {
    deps.log.log('warn', 'unknown_till', { tillId: auth.tillId, remote });
    throw unauthorized('unknown till or bad signature');
  }
  if (!verifySignature(till.secret, req.method ?? '', target, ts, sha256Hex(rawBody), auth.signature)) {
    await deps.store.recordBadSignature(till.tillId);
    deps.log.log('warn', 'bad_signature', { tillId: till.tillId, method: req.method, path: target, remote });
    throw unauthorized('unknown till or bad signature');
  }
  const now = deps.now().getTime();
  if (Math.abs(now - ts) > MAX_CLOCK_SKEW_MS) {
    deps.log.log('warn', 'clock_skew', { tillId: till.tillId, skewMs: ts - now });
    throw new HttpError(401, 'clock_skew', `the till's clock is more than 5 minutes off head office's`, {
      serverTime: new Date(now).toISOString(),
    });
  }
  return till;
}
