/**
 * At most a few request bodies in flight per client address (issue 11, finding 6): a client
 * opening many uploads at once waits for its own (429 `too_many_bodies`), and cannot make head
 * office hold ten 20 MB bodies for it. A till uploads one batch at a time, so honest tills never
 * meet the limit; behind a load balancer listed in HQ_TRUSTED_PROXIES each till counts as the
 * address it forwarded for; behind any other proxy every till shares the proxy's address, so set
 * the limit there instead (HeadOfficeOptions.maxBodiesPerClient).
 */
import type { IncomingMessage } from 'node:http';
import { readRawBody } from './body.js';
import { HttpError } from './errors.js';
import { requestClient } from './proxies.js';

export const DEFAULT_BODIES_PER_CLIENT = 4;

export class BodyGate {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perClient = DEFAULT_BODIES_PER_CLIENT) {}

  async read(req: IncomingMessage): Promise<Buffer> {
    return this.hold(req, () => readRawBody(req));
  }

  /**
   * Runs `read` (a reader of `req`'s body) within the client's allowance: the public endpoints'
   * small bodies (small-body.ts) count against the same few per address as uploads.
   */
  async hold<T>(req: IncomingMessage, read: () => Promise<T>): Promise<T> {
    // Through HQ_TRUSTED_PROXIES the client the balancer forwarded for, not the balancer (proxies.ts).
    const client = requestClient(req) ?? 'unknown';
    const n = this.inFlight.get(client) ?? 0;
    if (n >= this.perClient) {
      throw new HttpError(429, 'too_many_bodies', `at most ${this.perClient} uploads at once per client`);
    }
    this.inFlight.set(client, n + 1);
    try {
      return await read();
    } finally {
      const left = (this.inFlight.get(client) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(client);
      else this.inFlight.set(client, left);
    }
  }
}
