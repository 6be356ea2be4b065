/** Signed requests to head office (core/sync/sign.ts): every call authenticates this till. */
import { gzipSync } from 'node:zlib';
import { signRequest, type TillCredentials } from '../../core/sync/sign.js';

export class HqUnreachableError extends Error {
  readonly code = 'hq_unreachable';
}

export interface HqAnswer {
  status: number;
  body: unknown;
}

export class HqClient {
  constructor(
    private readonly baseUrl: string,
    private readonly creds: TillCredentials,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = 15_000,
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
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { ...headers, ...signed },
        ...(method === 'GET' ? {} : { body: new Uint8Array(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
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
