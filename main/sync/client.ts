/**
 * Signed requests to head office (core/sync/sign.ts): every call authenticates this till.
 * TLS: the system's certificate authorities, or only those of TILL_HQ_CA_FILE when it is set
 * (a chain with its own CA): undici's Agent with `connect: { ca }` for every request.
 */
import { gzipSync } from 'node:zlib';
import { Agent, fetch, type Dispatcher } from 'undici';
import { signRequest, type TillCredentials } from '../../core/sync/sign.js';

export class HqUnreachableError extends Error {
  readonly code = 'hq_unreachable';
}

export interface HqAnswer {
  status: number;
  body: unknown;
}

/** The dispatcher trusting `ca` (PEM) for head office's certificate; undefined = the system's CAs. */
export function hqDispatcher(ca: string | null | undefined): Dispatcher | undefined {
  return ca ? new Agent({ connect: { ca } }) : undefined;
}

export class HqClient {
  constructor(
    private readonly baseUrl: string,
    private readonly creds: TillCredentials,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = 15_000,
    private readonly dispatcher?: Dispatcher,
  ) {}

  async post(path: string, payload: unknown): Promise<HqAnswer> {
    const body = gzipSync(Buffer.from(JSON.stringify(payload)));
    return this.send('POST', path, body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  }

  async get(pathWithQuery: string): Promise<HqAnswer> {
    return this.send('GET', pathWithQuery, Buffer.alloc(0), {});
  }

  private async send(method: string, path: string, body: Buffer, headers: Record<string, string>): Promise<HqAnswer> {
    const signed = signRequest(this.creds, method, path, body, this.now());
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
    const text = await res.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  }
}
