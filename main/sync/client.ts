/**
 * Signed requests to head office (core/sync/sign.ts): every call authenticates this till, and
 * every 2xx answer must carry head office's Ed25519 signature over it and this request's
 * signature (`X-HQ-Signature`), verified with TILL_HQ_PUBLIC_KEY, or it is taken for no answer
 * at all (HqUnverifiedError, an HqUnreachableError): a page, rule set or card block from anyone
 * without head office's private key (a till's secret is not enough) is never applied, and a
 * recorded answer cannot be replayed to a later request. While head office rotates its key the
 * till holds two (the current and the next): an answer verifying with either is head office's,
 * so head-office processes may switch keys one by one. Without TILL_HQ_PUBLIC_KEY no request
 * is sent at all (HqKeyMissingError): a till that cannot verify does not talk.
 * TLS: the system's certificate authorities, or only those of TILL_HQ_CA_FILE when it is set
 * (a chain with its own CA): undici's Agent with `connect: { ca }` for every request.
 */
import { gzipSync } from 'node:zlib';
import type { KeyObject } from 'node:crypto';
import { Agent, fetch, type Dispatcher } from 'undici';
import {
  HQ_SIGNATURE_HEADER,
  parseTillAuthorization,
  signRequest,
  verifyAnswer,
  type TillCredentials,
} from '../../core/sync/sign.js';

/**
 * A request's signing time: strictly increasing, since two identical requests in one millisecond
 * would carry one signature and head office refuses a signature it has seen (409 replayed); but
 * back to the clock when the clock was put back by more than CLOCK_BACK_MS. Otherwise a clock
 * that was a day ahead for a moment would keep every later request a day ahead (401 clock_skew)
 * until real time caught up. The requests signed ahead all carried later times, so none repeats.
 */
export const CLOCK_BACK_MS = 60_000;

export function nextTimestamp(now: number, last: number): number {
  return now < last - CLOCK_BACK_MS ? now : Math.max(now, last + 1);
}

export class HqUnreachableError extends Error {
  readonly code = 'hq_unreachable';
}

/** A 2xx answer without head office's valid signature: whoever answered was not head office. */
export class HqUnverifiedError extends HqUnreachableError {}

/** TILL_HQ_URL without TILL_HQ_PUBLIC_KEY: the till cannot verify head office, so it does not sync. */
export class HqKeyMissingError extends HqUnreachableError {
  constructor() {
    super(
      'TILL_HQ_PUBLIC_KEY is not set: this till cannot verify head office and does not sync ' +
        '(`npm run headoffice -- public-key` prints it)',
    );
  }
}

/** The till's credential and head office's answer-signing public keys (none: not configured). */
export interface HqCredentials extends TillCredentials {
  hqPublicKeys: readonly KeyObject[];
}

export interface HqAnswer {
  status: number;
  body: unknown;
}

/** The dispatcher trusting `ca` (PEM) for head office's certificate; undefined = the system's CAs. */
export function hqDispatcher(ca: string | null | undefined): Dispatcher | undefined {
  return ca ? new Agent({ connect: { ca } }) : undefined;
}

/** A request's body as tills send it: JSON, gzipped. */
export function requestBody(payload: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(payload)));
}

export class HqClient {
  private lastTs = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly creds: HqCredentials,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = 15_000,
    private readonly dispatcher?: Dispatcher,
  ) {}

  async post(path: string, payload: unknown): Promise<HqAnswer> {
    const body = requestBody(payload);
    return this.send('POST', path, body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  }

  async get(pathWithQuery: string): Promise<HqAnswer> {
    return this.send('GET', pathWithQuery, Buffer.alloc(0), {});
  }

  private async send(method: string, path: string, body: Buffer, headers: Record<string, string>): Promise<HqAnswer> {
    const hqKeys = this.creds.hqPublicKeys;
    if (hqKeys.length === 0) throw new HqKeyMissingError();
    this.lastTs = nextTimestamp(Math.floor(this.now()), this.lastTs);
    const signed = signRequest(this.creds, method, path, body, this.lastTs);
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { ...headers, ...signed },
        ...(method === 'GET' ? {} : { body: new Uint8Array(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
    } catch (e) {
      throw new HqUnreachableError(`head office unreachable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    const requestSig = parseTillAuthorization(signed.authorization)?.signature ?? '';
    const ok = res.status >= 200 && res.status < 300;
    const signature = res.headers.get(HQ_SIGNATURE_HEADER);
    if (ok && !hqKeys.some((key) => verifyAnswer(key, res.status, requestSig, bytes, signature))) {
      throw new HqUnverifiedError(
        `head office's answer to ${method} ${path.split('?')[0]} is not signed by head office`,
      );
    }
    const text = bytes.toString('utf8');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  }
}
