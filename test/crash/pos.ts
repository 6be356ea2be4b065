/**
 * A simulated POS driving the till over HTTP while the harness kills it. Each worker owns its
 * members, so the operations on one member are sequential and the POS always knows the last
 * balance it was told. A request that dies with the till is sent again, byte for byte, once the
 * till is back: the till must either have recorded it (and replay the first answer) or record
 * it now, never both and never neither.
 */
import { isDeepStrictEqual } from 'node:util';
import { sleep } from './till-process.js';
import {
  cardCodeFor,
  makeLines,
  makeReturnLines,
  phoneFor,
  quantitiesMilli,
  rng,
  type EnrolBody,
  type ReturnBody,
  type Rng,
  type SaleBody,
} from './workload.js';

/** Closed while the till is down: requests wait here instead of hammering a dead port. */
export class Gate {
  private waiting: Promise<void> | null = null;
  private release: (() => void) | null = null;

  get closed(): boolean {
    return this.waiting !== null;
  }

  close(): void {
    if (this.waiting) return;
    this.waiting = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release?.();
    this.waiting = null;
    this.release = null;
  }

  wait(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }
}

export interface Answer {
  status: number;
  body: unknown;
  /** the request failed at least once at the transport level (the till was killed) and was sent again */
  interrupted: boolean;
}

export interface PosStats {
  requests: number;
  attempts: number;
  interrupted: number;
  /** interrupted, then answered 200: the till had committed before it died */
  committedBeforeKill: number;
  /** interrupted, then answered 201: the till had not committed, recorded on the retry */
  recordedOnRetry: number;
  sales: number;
  pointsSales: number;
  returns: number;
  enrolments: number;
  identifies: number;
  replays: number;
}

export interface PosLedger {
  sales: Set<string>;
  returns: Set<string>;
  balances: Map<string, number>;
}

interface Member {
  memberNo: string;
  cardCode: string;
  balance: number;
}

interface Sold {
  body: SaleBody;
  answer: unknown;
  remaining: Map<string, number>;
  memberNo: string | null;
}

const MAX_UNEXPLAINED_FAILURES = 100;

export class Pos {
  readonly stats: PosStats = {
    requests: 0,
    attempts: 0,
    interrupted: 0,
    committedBeforeKill: 0,
    recordedOnRetry: 0,
    sales: 0,
    pointsSales: 0,
    returns: 0,
    enrolments: 0,
    identifies: 0,
    replays: 0,
  };
  readonly acknowledged: PosLedger = { sales: new Set(), returns: new Set(), balances: new Map() };
  readonly problems: string[] = [];
  private stopping = false;
  private nextPhone = 0;

  constructor(
    private readonly url: string,
    private readonly posApiKey: string,
    private readonly gate: Gate,
    private readonly seed: number,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  /** Sends until the till answers; transport failures while the gate is closed are the kills. */
  async post(path: string, body: unknown): Promise<Answer> {
    this.stats.requests += 1;
    const payload = JSON.stringify(body);
    let interrupted = false;
    let unexplained = 0;
    for (;;) {
      await this.gate.wait();
      this.stats.attempts += 1;
      try {
        const res = await fetch(`${this.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.posApiKey}`, 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(15_000),
        });
        const answer = (await res.json()) as unknown;
        if (interrupted) this.stats.interrupted += 1;
        return { status: res.status, body: answer, interrupted };
      } catch (e) {
        interrupted = true;
        // A stale keep-alive socket of the killed process may fail once after a restart; a till
        // that keeps refusing with the gate open has died on its own.
        if (!this.gate.closed && ++unexplained > MAX_UNEXPLAINED_FAILURES) {
          throw new Error(`${path} kept failing with the till supposedly up: ${String(e)}`);
        }
        if (!this.gate.closed) await sleep(20);
      }
    }
  }

  private problem(what: string, a: Answer, body: unknown): void {
    this.problems.push(
      `${what}: HTTP ${a.status}${a.interrupted ? ' (after a kill)' : ''} ${JSON.stringify(a.body)} for ${JSON.stringify(body)}`,
    );
  }

  /** 201 on first recording; 200 is a replay, legitimate only when an earlier attempt was cut off. */
  private recorded(what: string, a: Answer, body: unknown): boolean {
    if (a.status === 201 || (a.status === 200 && a.interrupted)) {
      if (a.interrupted) {
        if (a.status === 200) this.stats.committedBeforeKill += 1;
        else this.stats.recordedOnRetry += 1;
      }
      return true;
    }
    this.problem(what, a, body);
    return false;
  }

  async enrol(r: Rng): Promise<Member | null> {
    const n = this.nextPhone++;
    const body: EnrolBody = {
      name: r.pick(['张伟', '王芳', 'Li Na', '刘洋', 'Chen Jie']),
      phone: phoneFor(this.seed, n),
      ...(r.chance(0.5) ? { birthday: `19${r.int(50, 99)}-0${r.int(1, 9)}-1${r.int(0, 9)}` } : {}),
      consent: { marketing: r.chance(0.5), text: 'consent-v1' },
      cardCode: cardCodeFor((this.seed % 1_000_000) * 1000 + n),
    };
    const a = await this.post('/v1/members', body);
    this.stats.enrolments += 1;
    let summary = a.body as { memberNo: string; balance: number };
    if (a.status !== 201) {
      // Enrolment has no idempotency key: after a kill the retry finds its own earlier success.
      const code = (a.body as { error?: { code?: string } }).error?.code;
      if (!(a.interrupted && a.status === 409 && code === 'phone_in_use')) {
        this.problem('enrol', a, body);
        return null;
      }
      const found = await this.post('/v1/members/identify', { phone: body.phone });
      if (found.status !== 200) {
        this.problem('identify after interrupted enrol', found, body);
        return null;
      }
      summary = found.body as { memberNo: string; balance: number };
    }
    const m = { memberNo: summary.memberNo, cardCode: body.cardCode, balance: summary.balance };
    this.acknowledged.balances.set(m.memberNo, m.balance);
    return m;
  }

  private told(m: Member, balance: unknown): void {
    if (typeof balance === 'number') {
      m.balance = balance;
      this.acknowledged.balances.set(m.memberNo, balance);
    }
  }

  /** One worker: its own members, its own sales, its own random stream. */
  async worker(id: number): Promise<void> {
    const r = rng(this.seed * 31 + id);
    const members: Member[] = [];
    const sold: Sold[] = [];
    let n = 0;
    for (let i = 0; i < 2; i++) {
      const m = await this.enrol(r);
      if (m) members.push(m);
    }
    while (!this.stopping) {
      n += 1;
      const roll = r.next();
      if (roll < 0.03 && members.length < 8) {
        const m = await this.enrol(r);
        if (m) members.push(m);
      } else if (roll < 0.18) {
        await this.returnSomething(r, id, n, sold, members);
      } else if (roll < 0.22) {
        await this.replaySale(r, sold);
      } else if (roll < 0.26 && members.length) {
        await this.identify(r, members);
      } else {
        await this.sale(r, id, n, sold, members);
      }
    }
  }

  private async sale(r: Rng, worker: number, n: number, sold: Sold[], members: Member[]): Promise<void> {
    const m = members.length && r.chance(0.85) ? r.pick(members) : null;
    const body: SaleBody = {
      saleId: `S-${this.seed}-${worker}-${n}`,
      ...(m ? (r.chance(0.6) ? { memberNo: m.memberNo } : { memberCode: m.cardCode }) : {}),
      lines: makeLines(r),
      tenders: [],
      ...(r.chance(0.3) ? { staffId: `staff-${r.int(1, 5)}` } : {}),
    };
    // Money tenders pay exactly what is due (issue 14): line gross is quantity × price rounded
    // half up to the fen, in thousandths so a weighed line rounds as the till does.
    let due = body.lines.reduce(
      (a, l) => a + Math.floor((Math.round(l.quantity * 1000) * l.unitPrice + 500) / 1000) - l.discount,
      0,
    );
    if (m && m.balance >= 100 && r.chance(0.4)) {
      // The POS asks what may be redeemed before it offers points as payment.
      const q = await this.post('/v1/baskets/quote', { memberNo: m.memberNo, lines: body.lines });
      const max = q.status === 200 ? (q.body as { maxRedeemablePoints: number }).maxRedeemablePoints : 0;
      if (q.status !== 200) this.problem('quote', q, body);
      if (max >= 100) {
        const points = r.int(1, Math.floor(max / 100)) * 100;
        body.tenders.push({ type: 'points', points });
        // What the points are worth (a tier's redemption bonus raises it): the rest is paid in money.
        const p = await this.post('/v1/baskets/quote', {
          memberNo: m.memberNo,
          lines: body.lines,
          redeemPoints: points,
        });
        const priced = p.body as { total: number; redemptionValue: number };
        if (p.status === 200) due = priced.total - priced.redemptionValue;
        else this.problem('quote', p, body);
      }
    }
    body.tenders.push({ type: r.pick(['cash', 'card', 'other'] as const), amount: due });
    const a = await this.post('/v1/sales', body);
    this.stats.sales += 1;
    if (!this.recorded('sale', a, body)) return;
    if (body.tenders.some((t) => t.type === 'points')) this.stats.pointsSales += 1;
    const result = a.body as { saleId: string; memberNo: string | null; balance: number | null };
    if (result.saleId !== body.saleId) this.problem('sale answered for another saleId', a, body);
    if (m && result.memberNo !== m.memberNo) this.problem('sale booked to another member', a, body);
    this.acknowledged.sales.add(body.saleId);
    if (m) this.told(m, result.balance);
    sold.push({ body, answer: a.body, remaining: quantitiesMilli(body.lines), memberNo: m?.memberNo ?? null });
  }

  private async returnSomething(r: Rng, worker: number, n: number, sold: Sold[], members: Member[]): Promise<void> {
    const open = sold.filter((s) => [...s.remaining.values()].some((q) => q > 0));
    if (!open.length) return;
    const s = r.pick(open);
    const body: ReturnBody = {
      returnId: `R-${this.seed}-${worker}-${n}`,
      originalSaleId: s.body.saleId,
      lines: makeReturnLines(r, s.remaining),
    };
    const a = await this.post('/v1/returns', body);
    this.stats.returns += 1;
    if (!this.recorded('return', a, body)) return;
    this.acknowledged.returns.add(body.returnId);
    for (const l of body.lines) s.remaining.set(l.sku, (s.remaining.get(l.sku) ?? 0) - Math.round(l.quantity * 1000));
    const m = members.find((x) => x.memberNo === s.memberNo);
    if (m) this.told(m, (a.body as { balance: number | null }).balance);
  }

  /** The POS sends an acknowledged sale again (a double click, a resent queue): same answer, nothing new. */
  private async replaySale(r: Rng, sold: Sold[]): Promise<void> {
    if (!sold.length) return;
    const s = r.pick(sold);
    const a = await this.post('/v1/sales', s.body);
    this.stats.replays += 1;
    if (a.status !== 200 || !isDeepStrictEqual(a.body, s.answer)) {
      this.problem(`replay differs from the first answer ${JSON.stringify(s.answer)}`, a, s.body);
    }
  }

  /** Identification reads what the till holds now: it must be the balance the POS was last told. */
  private async identify(r: Rng, members: Member[]): Promise<void> {
    const m = r.pick(members);
    const a = await this.post('/v1/members/identify', { code: m.cardCode });
    this.stats.identifies += 1;
    const got = a.body as { memberNo?: string; balance?: number };
    if (a.status !== 200 || got.memberNo !== m.memberNo || got.balance !== m.balance) {
      this.problem(`identify (expected ${m.memberNo} with balance ${m.balance})`, a, { code: m.cardCode });
    }
  }
}
