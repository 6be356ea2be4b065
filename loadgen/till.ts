/**
 * One simulated till: a TillSim chain (till-sim.ts), its own credential and connection, and
 * the two loops a real till runs (main/sync/service.ts), driven by the generator's scheduler:
 *
 * 1. business: at random (Poisson) times, an enrolment, a sale (some paying with points, to
 *    members of this store or of any store) or a whole-sale return, written to the chain;
 * 2. upload: whenever entries wait and no request is in flight, the next batch (at most 500
 *    entries, gzip, signed; core/sync/sign.ts) to POST /v1/sync/batches. 200: the ack moves
 *    to `ackSeq`; 409 sequence_gap: resend from `expectedSeq`; anything else: back off
 *    exponentially (1 s to 60 s, full jitter) as the real uploader does, and count the code
 *    (while the run drains, to 2 s, so the check does not wait a minute for a till);
 * 3. feed: every `pollMs`, GET /v1/sync/changes after its cursor, page after page while head
 *    office says more follows (`more`; an older one: while pages come back full), as the till's
 *    sync does. One request at a time per till: an upload waits for a poll and the other
 *    way round, so an ack's latency is head office's alone.
 *
 * Answers are not verified against head office's signature (the signing scheme is changing
 * to an Ed25519 key, TILL_HQ_PUBLIC_KEY); the generator measures, it does not guard.
 */
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import type { Client } from 'undici';
import type { LedgerEntry } from '../core/ledger/entry.js';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { signRequest } from '../core/sync/sign.js';
import type { ChainModel, MemberModel } from './model.js';
import type { Counter } from './stats.js';
import { TillSim } from './till-sim.js';

export const MAX_BATCH_ENTRIES = 500;
export const FEED_PAGE = 500;

const gunzipAsync = promisify(gunzip);

/** What every till reports into; the run swaps `ack` per ramp step. */
export interface Sink {
  model: ChainModel;
  rng: () => number;
  /** upload acknowledgement latencies, ms */
  ack: { add(ms: number): void };
  errors: Counter;
  /** entries head office acknowledged (ack moved past them) */
  accepted: { n: number };
  ops: Counter;
  feed: FeedLag;
  /** the retry back-off's ceiling: 60 s as a real till, shorter while the run drains */
  maxBackoffMs: number;
  /** ask for feed pages gzipped, as a real till's fetch does (`--no-gzip`: not) */
  gzip: boolean;
  /** feed pages' bytes as they came off the wire and as JSON */
  feedBytes: { wire: number; json: number };
}

/**
 * Feed lag: from the ack of a member's entries to the first feed page, at any till, whose
 * balance change for the member includes them (`includes[till] >= seq`). It holds head
 * office's apply time plus the polling interval, as a cashier elsewhere would see it.
 */
export class FeedLag {
  private readonly waiting = new Map<string, { tillId: string; seq: number; at: number }[]>();

  constructor(private readonly samples: { add(ms: number): void }) {}

  acked(tillId: string, entries: readonly LedgerEntry[], at: number): void {
    const last = new Map<string, number>();
    for (const e of entries) last.set(e.memberNo, e.seq);
    for (const [memberNo, seq] of last) {
      const list = this.waiting.get(memberNo);
      const item = { tillId, seq, at };
      if (list) list.push(item);
      else this.waiting.set(memberNo, [item]);
    }
  }

  seen(memberNo: string, includes: Record<string, number>, at: number): void {
    const list = this.waiting.get(memberNo);
    if (!list) return;
    const left = list.filter((w) => {
      if ((includes[w.tillId] ?? 0) < w.seq) return true;
      this.samples.add(at - w.at);
      return false;
    });
    if (left.length) this.waiting.set(memberNo, left);
    else this.waiting.delete(memberNo);
  }

  get unseen(): number {
    let n = 0;
    for (const l of this.waiting.values()) n += l.length;
    return n;
  }
}

interface Answer {
  status: number;
  // Answers are read loosely: the generator counts codes, it does not validate schemas.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class SimTill {
  readonly sim: TillSim;
  ack = 0;
  cursor = 0;
  /** the page's `cursorAt`, sent back as `afterAt` as a till does (head office checks its timeline) */
  cursorAt: string | null = null;
  nextOpAt = 0;
  nextPollAt = 0;
  private uploading = false;
  private polling = false;
  private retryAt = 0;
  private failures = 0;
  private lastTs = 0;
  /** this till's sales not returned yet, for returns */
  private readonly sales: { saleId: string; memberNo: string }[] = [];
  /** enrolments not acknowledged yet, by the seq of their entry */
  private readonly enrolling: { seq: number; member: MemberModel }[] = [];

  constructor(
    cred: { tillId: string; storeId: string; secret: string },
    private readonly client: Client,
    private readonly sink: Sink,
  ) {
    this.sim = new TillSim(cred.tillId, cred.storeId, cred.secret);
  }

  get waiting(): number {
    return this.sim.headSeq - this.ack;
  }

  get busy(): boolean {
    return this.uploading || this.polling;
  }

  // --- business ---------------------------------------------------------------------------

  enrol(when: string): MemberModel {
    const m = this.sink.model.newMember(this.sim.storeId);
    const before = this.sim.headSeq;
    this.sim.enrol(m.memberNo, when);
    this.sink.model.record(this.sim.entries.slice(before));
    this.enrolling.push({ seq: this.sim.headSeq, member: m });
    this.sink.ops.add('enrol');
    return m;
  }

  /** One business event: 10 % enrolments, 5 % returns, the rest sales (15 % of them redeem). */
  act(when: string): void {
    const { rng, model } = this.sink;
    const r = rng();
    if (model.visible.length < 3 || r < 0.1) {
      this.enrol(when);
      return;
    }
    if (r < 0.15 && this.sales.length > 0) {
      const i = Math.floor(rng() * this.sales.length);
      const [s] = this.sales.splice(i, 1);
      const before = this.sim.headSeq;
      if (s && this.sim.returnSale(s.saleId, when)) {
        model.record(this.sim.entries.slice(before));
        this.sink.ops.add('return');
        return;
      }
    }
    this.sale(when);
  }

  private pickMember(): MemberModel {
    const { rng, model } = this.sink;
    // Half the sales go to the store's own members, half to a member of any store.
    const own = model.ofStore(this.sim.storeId);
    const pool = own.length > 0 && rng() < 0.5 ? own : model.visible;
    return pool[Math.floor(rng() * pool.length)] as MemberModel;
  }

  private sale(when: string): void {
    const { rng, model } = this.sink;
    const m = this.pickMember();
    const price = 500 + Math.floor(rng() * 30_000);
    // Points pay at most half the basket (1 point = 1 fen by default), from 100 points, and never
    // more than the member holds across the chain.
    const cap = Math.min(m.balance, Math.floor(price / 2), 4_000);
    const redeem = rng() < 0.15 && cap >= 100 ? 100 * Math.max(1, Math.floor((rng() * cap) / 100)) : 0;
    const before = this.sim.headSeq;
    const rec = this.sim.sale(m.memberNo, price, when, { redeem });
    model.record(this.sim.entries.slice(before));
    this.sales.push({ saleId: rec.saleId, memberNo: m.memberNo });
    if (this.sales.length > 50) this.sales.shift();
    this.sink.ops.add(redeem > 0 ? 'sale_redeem' : 'sale');
  }

  // --- sync -------------------------------------------------------------------------------

  private headers(method: string, path: string, body: Uint8Array): Record<string, string> {
    // Strictly increasing timestamps, as main/sync/client.ts: head office refuses a signature it has seen.
    this.lastTs = Math.max(Date.now(), this.lastTs + 1);
    return signRequest(this.sim, method, path, body, this.lastTs);
  }

  private async send(method: 'GET' | 'POST', path: string, body?: Buffer): Promise<Answer> {
    const bytes = body ?? Buffer.alloc(0);
    const headers: Record<string, string> = this.headers(method, path, bytes);
    if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    // gzip alone: head office sends no other coding, and this client inflates only gzip.
    else if (this.sink.gzip) headers['accept-encoding'] = 'gzip';
    const res = await this.client.request({
      method,
      path,
      headers,
      ...(body ? { body } : {}),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const wire = Buffer.from(await res.body.arrayBuffer());
    // undici's request, unlike fetch, hands back the bytes as sent.
    const json = res.headers['content-encoding'] === 'gzip' ? await gunzipAsync(wire) : wire;
    if (method === 'GET') {
      this.sink.feedBytes.wire += wire.length;
      this.sink.feedBytes.json += json.length;
    }
    const text = json.toString('utf8');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.statusCode, body: parsed };
  }

  private failed(key: string, now: number): void {
    this.sink.errors.add(key);
    this.failures += 1;
    const ceiling = Math.min(this.sink.maxBackoffMs, 1_000 * 2 ** (this.failures - 1));
    this.retryAt = now + this.sink.rng() * ceiling;
  }

  /** One request at a time per till, as the real sync cycle (upload, then feed) runs. */
  canUpload(now: number): boolean {
    return !this.busy && this.waiting > 0 && now >= this.retryAt;
  }

  async upload(): Promise<void> {
    this.uploading = true;
    const first = this.ack + 1;
    const last = Math.min(this.sim.headSeq, this.ack + MAX_BATCH_ENTRIES);
    try {
      const wire = gzipSync(JSON.stringify(this.sim.batch(first, last)));
      const t0 = performance.now();
      const a = await this.send('POST', SYNC_PATHS.batches, wire);
      const now = performance.now();
      if (a.status === 200 && typeof a.body?.ackSeq === 'number') {
        this.sink.ack.add(now - t0);
        this.failures = 0;
        const ackSeq = Math.min(a.body.ackSeq as number, this.sim.headSeq);
        if (ackSeq > this.ack) {
          this.sink.feed.acked(this.sim.tillId, this.sim.entries.slice(this.ack, ackSeq), now);
          this.sink.accepted.n += ackSeq - this.ack;
          this.ack = ackSeq;
          while (this.enrolling.length && (this.enrolling[0]?.seq ?? Infinity) <= ackSeq) {
            this.sink.model.show((this.enrolling.shift() as { member: MemberModel }).member);
          }
        }
      } else if (a.status === 409 && typeof a.body?.expectedSeq === 'number') {
        this.sink.errors.add('409 sequence_gap');
        this.ack = (a.body.expectedSeq as number) - 1;
      } else {
        this.failed(`${a.status} ${a.body?.error?.code ?? 'no_code'}`, Date.now());
      }
    } catch (e) {
      this.failed(`network ${(e as { code?: string }).code ?? (e as Error).name}`, Date.now());
    } finally {
      this.uploading = false;
    }
  }

  canPoll(now: number): boolean {
    return !this.busy && now >= this.nextPollAt;
  }

  /** One feed page; `pollMs` later the next, or at once when the page came back full. */
  async poll(pollMs: number): Promise<number> {
    this.polling = true;
    let changes = 0;
    try {
      const stamp = this.cursorAt === null ? '' : `&afterAt=${encodeURIComponent(this.cursorAt)}`;
      const path = `${SYNC_PATHS.changes}?after=${this.cursor}${stamp}&limit=${FEED_PAGE}`;
      const a = await this.send('GET', path);
      const at = performance.now();
      if (a.status === 200 && Array.isArray(a.body?.changes)) {
        const list = a.body.changes as { type: string; memberNo?: string; includes?: Record<string, number> }[];
        for (const c of list) {
          if (c.type === 'balance' && c.memberNo && c.includes) this.sink.feed.seen(c.memberNo, c.includes, at);
        }
        changes = list.length;
        const cursor = Number(a.body.cursor) || 0;
        if (cursor > this.cursor && typeof a.body.cursorAt === 'string') this.cursorAt = a.body.cursorAt;
        this.cursor = Math.max(this.cursor, cursor);
        // Head office says whether more follows (rows it skips for this till make a page short).
        const more = typeof a.body.more === 'boolean' ? a.body.more : list.length >= FEED_PAGE;
        this.nextPollAt = Date.now() + (more ? 0 : pollMs);
      } else {
        this.sink.errors.add(`feed ${a.status} ${a.body?.error?.code ?? 'no_code'}`);
        this.nextPollAt = Date.now() + pollMs;
      }
    } catch (e) {
      this.sink.errors.add(`feed network ${(e as { code?: string }).code ?? (e as Error).name}`);
      this.nextPollAt = Date.now() + pollMs;
    } finally {
      this.polling = false;
    }
    return changes;
  }
}
