/**
 * A load run, step by step:
 *
 * 1. head office: the one at `hq`, or one started for the run (hq.ts);
 * 2. provision: `tills` tills, five per store, through POST /v1/tills in requests of 1000
 *    (each till's secret arrives once); each till gets its own connection, and against a
 *    loopback head office its own source address (127.x.y.z), because head office limits
 *    uploads in flight per client address as it would per real till;
 * 3. warm-up: `members` members enrolled across the tills and uploaded, so sales from the
 *    first second serve members of this and other stores;
 * 4. load, in ramp steps (`steps`, or one without ramp): the first step's share of the tills
 *    is active, then more each step; every active till acts at `rate` events a minute
 *    (Poisson), uploads what waits, polls the feed every `pollMs`. Each step's p99 ack is
 *    measured on its own: the knee is the first step whose p99 passes 1 s;
 * 5. drain: no new events and no feed polls; uploads continue (retrying within 2 s) until
 *    head office holds every till's chain (120 s at most);
 * 6. check (check.ts): head office holds exactly what it acknowledged to each till, member
 *    by member (PASS), or less (FAIL); INCOMPLETE when it agrees but could not take every
 *    till's last batches within the drain.
 *
 * Apply lag is read from GET /v1/health once a second (the age of the oldest acknowledged
 * batch head office has not applied yet: a read that does not itself apply what waits).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'undici';
import { checkAgainstHq, type CheckReport } from './check.js';
import { startOwnHq, type HqHandle } from './hq.js';
import { bearerCall, provision } from './operator.js';
import { ChainModel } from './model.js';
import { Counter, SelfLoad, Samples, processCpuSeconds, type Percentiles } from './stats.js';
import { FEED_PAGE, FeedLag, SimTill, type Sink } from './till.js';

export interface LoadOptions {
  tills: number;
  seconds: number;
  /**
   * head office's base URL; several, comma-separated, for several processes of one head office
   * (one database): tills are spread over them, provisioning and the check use the first.
   * null = start one (or `processes` of them)
   */
  hq: string | null;
  /** head-office processes to start when `hq` is null (more than one needs PostgreSQL) */
  processes: number;
  /** operator token for `hq` (an admin's, for provisioning and the check) */
  operatorToken: string | null;
  /** business events per till per minute */
  rate: number;
  /** members enrolled before the load starts */
  members: number;
  seed: number;
  /** ramp steps; 1 = every till from the start */
  steps: number;
  pollMs: number;
  progressMs: number;
  /** members checked at the end at most (a random sample when there are more) */
  checkMembers: number;
  /** environment for the head office this run starts (HQ_DATABASE_URL ...) */
  hqEnv: Record<string, string>;
  /** tills ask for feed pages gzipped, as a real till's fetch does */
  gzip: boolean;
  log: (line: string) => void;
}

export const DEFAULTS: Omit<LoadOptions, 'tills' | 'seconds' | 'log'> = {
  hq: null,
  processes: 1,
  operatorToken: null,
  rate: 4,
  members: 0,
  seed: 1,
  steps: 5,
  pollMs: 5_000,
  progressMs: 5_000,
  checkMembers: 5_000,
  hqEnv: {},
  gzip: true,
};

export const KNEE_P99_MS = 1_000;

export interface StepReport {
  tills: number;
  seconds: number;
  entriesPerSec: number;
  uploadsPerSec: number;
  ack: Percentiles;
  errors: Record<string, number>;
}

export interface LoadReport {
  hq: { url: string; own: boolean; storage: string | null };
  options: {
    tills: number;
    seconds: number;
    rate: number;
    members: number;
    seed: number;
    steps: number;
    pollMs: number;
    gzip: boolean;
  };
  tag: string;
  provisionSeconds: number;
  seconds: number;
  ops: Record<string, number>;
  entriesGenerated: number;
  entriesAccepted: number;
  entriesPerSec: number;
  uploads: number;
  ack: Percentiles;
  applyLag: Percentiles & { maxBacklogEntries: number };
  feedLag: Percentiles & { unseen: number };
  feedPolls: number;
  /** feed pages during the load: bytes per second off the wire, and as JSON */
  feedBytesPerSec: { wire: number; json: number };
  errors: Record<string, number>;
  steps: StepReport[];
  knee: { p99Ms: number; reached: boolean; atTills: number | null; sustainedTills: number | null };
  generator: { cpuMean: number; cpuMax: number; loopDelayP99Ms: number; warning: string | null };
  hqCpuCores: number | null;
  /** sales and returns head office recomputed to other points than the till (GET /v1/tills mismatches), for information */
  saleMismatches: number;
  check: CheckReport;
}

/** mulberry32: small, seeded, good enough to choose events. */
function rngOf(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A distinct loopback source address per till (never .0 or .255). */
function sourceAddress(i: number): string {
  return `127.${100 + Math.floor(i / 62_500)}.${(Math.floor(i / 250) % 250) + 1}.${(i % 250) + 1}`;
}

function isLoopback(url: string): boolean {
  const h = new URL(url).hostname;
  return h === 'localhost' || /^127\./.test(h);
}

/** The number of active tills in each ramp step: an even climb to `tills`. */
export function rampSteps(tills: number, steps: number): number[] {
  const k = Math.max(1, Math.min(steps, tills));
  return Array.from({ length: k }, (_, i) => Math.max(1, Math.round((tills * (i + 1)) / k)));
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  let own: HqHandle | null = null;
  const siblings: HqHandle[] = [];
  let hqUrl = opts.hq;
  let token = opts.operatorToken;
  const clients: Client[] = [];
  try {
    if (!hqUrl) {
      if (opts.processes > 1 && !opts.hqEnv.HQ_DATABASE_URL) {
        throw new Error('several head-office processes share one PostgreSQL database: give --database-url');
      }
      const first = await startOwnHq(opts.hqEnv);
      own = first;
      for (let i = 1; i < opts.processes; i++) siblings.push(await startOwnHq(opts.hqEnv, first));
      hqUrl = [first, ...siblings].map((h) => h.url).join(',');
      token = first.operatorToken;
      opts.log(`started head office at ${hqUrl}`);
    }
    if (!token) throw new Error('an operator token is needed for --hq (HQ_OPERATOR_TOKEN or --token)');
    return await drive(opts, hqUrl.replace(/\/+$/, ''), token, own, clients);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const s of siblings) await s.stop();
    await own?.stop();
  }
}

interface HealthAnswer {
  storage?: string;
  inbox?: { entries: number; oldestReceivedAt: string | null };
}

interface LoadPhase {
  steps: StepReport[];
  seconds: number;
  accepted: number;
  generator: LoadReport['generator'];
  hqCpuCores: number | null;
}

/** One run's tills, measures and timers; drive() calls its phases in order. */
class LoadRun {
  readonly tag = randomBytes(3).toString('hex');
  readonly rng: () => number;
  readonly sink: Sink;
  tills: SimTill[] = [];
  private phase: 'idle' | 'load' | 'drain' = 'idle';
  private active = 0;
  uploads = 0;
  feedPolls = 0;
  readonly totalAck = new Samples();
  private stepAck = new Samples();
  private winAck = new Samples();
  readonly feedSamples = new Samples();
  readonly applySamples = new Samples();
  maxBacklog = 0;
  private lastBacklog = { entries: 0, age: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly perMinute: number;

  constructor(
    private readonly opts: LoadOptions,
    readonly hq: string,
    private readonly token: string,
    private readonly own: HqHandle | null,
    private readonly clients: Client[],
    /** every process's URL: tills are spread over them */
    private readonly urls: readonly string[] = [hq],
  ) {
    this.rng = rngOf(opts.seed);
    this.perMinute = opts.rate / 60_000;
    this.sink = {
      model: new ChainModel(`L${this.tag}`),
      rng: this.rng,
      ack: { add: () => undefined },
      errors: new Counter(),
      accepted: { n: 0 },
      ops: new Counter(),
      feed: new FeedLag(this.feedSamples),
      maxBackoffMs: 60_000,
      gzip: opts.gzip,
      feedBytes: { wire: 0, json: 0 },
    };
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  stop(): void {
    this.phase = 'idle';
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  async health(): Promise<HealthAnswer> {
    return (await (await fetch(`${this.hq}/v1/health`)).json()) as HealthAnswer;
  }

  /** Time to the till's next event (Poisson at `rate` a minute). */
  private gap(): number {
    return this.perMinute > 0 ? -Math.log(1 - this.rng()) / this.perMinute : Infinity;
  }

  /** 2. Issues the tills and gives each its connection; returns the seconds provisioning took. */
  async setUp(): Promise<number> {
    const p0 = performance.now();
    const issued = await provision(this.hq, this.token, this.tag, this.opts.tills);
    const seconds = (performance.now() - p0) / 1000;
    this.opts.log(`provisioned ${issued.length} tills in ${seconds.toFixed(1)} s (POST /v1/tills)`);
    const loop = isLoopback(this.hq);
    this.tills = issued.map((t, i) => {
      const client = new Client(this.urls[i % this.urls.length] as string, {
        pipelining: 1,
        keepAliveTimeout: 60_000,
        ...(loop ? { localAddress: sourceAddress(i) } : {}),
      });
      this.clients.push(client);
      return new SimTill({ tillId: t.tillId, storeId: t.storeId, secret: t.secret as string }, client, this.sink);
    });
    this.every(20, () => this.tick());
    return seconds;
  }

  /** The scheduler: each active till's due events, then an upload or a poll when one is due. */
  private tick(): void {
    const now = Date.now();
    const when = new Date(now).toISOString();
    for (let i = 0; i < this.active; i++) {
      const t = this.tills[i] as SimTill;
      if (this.phase === 'load') {
        while (now >= t.nextOpAt) {
          t.act(when);
          t.nextOpAt += this.gap();
        }
      }
      if (t.canUpload(now)) {
        this.uploads += 1;
        void t.upload();
      }
      if (this.phase === 'load' && t.canPoll(now)) {
        this.feedPolls += 1;
        void t.poll(this.opts.pollMs);
      }
    }
  }

  private allHeld(): boolean {
    return this.tills.slice(0, this.active).every((t) => t.waiting === 0);
  }

  private async drain(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.allHeld() && Date.now() < end) await sleep(50);
  }

  /** 3. Members enrolled across every till and uploaded; every till then starts at the feed's head. Returns errors met. */
  async warmUp(): Promise<number> {
    this.active = this.tills.length;
    for (const t of this.tills) {
      t.nextOpAt = Infinity;
      t.nextPollAt = Infinity;
    }
    const when = new Date().toISOString();
    for (let k = 0; k < this.opts.members; k++) (this.tills[k % this.tills.length] as SimTill).enrol(when);
    await this.drain(120_000);
    if (!this.allHeld()) throw new Error('warm-up: head office did not take the enrolments within 120 s');
    if (this.opts.members > 0) this.opts.log(`warm-up: ${this.opts.members} members enrolled`);
    // Tills in service are caught up with the feed: one pulls it to the end, all start there.
    const first = this.tills[0] as SimTill;
    while ((await first.poll(0)) >= FEED_PAGE);
    for (const t of this.tills) t.cursor = first.cursor;
    const errors = this.sink.errors.total;
    this.sink.errors = new Counter();
    this.sink.ops = new Counter();
    this.sink.accepted.n = 0;
    this.uploads = 0;
    this.feedPolls = 0;
    this.sink.feedBytes = { wire: 0, json: 0 };
    this.active = 0;
    return errors;
  }

  /** Apply lag: the age of the oldest acknowledged batch not applied yet, once a second. */
  private watchHealth(): void {
    this.every(1_000, () => {
      this.health()
        .then((h) => {
          const oldest = h.inbox?.oldestReceivedAt;
          const age = oldest ? Math.max(0, Date.now() - Date.parse(oldest)) : 0;
          this.applySamples.add(age);
          this.maxBacklog = Math.max(this.maxBacklog, h.inbox?.entries ?? 0);
          this.lastBacklog = { entries: h.inbox?.entries ?? 0, age };
        })
        .catch(() => this.sink.errors.add('health unreachable'));
    });
  }

  private watchProgress(start: number, self: SelfLoad): NodeJS.Timeout {
    let winAt = start;
    let winAccepted = 0;
    const timer = setInterval(() => {
      const at = performance.now();
      const cpu = self.sample();
      const w = this.winAck.summary();
      const rate = ((this.sink.accepted.n - winAccepted) * 1000) / (at - winAt);
      const b = this.lastBacklog;
      this.opts.log(
        `[${((at - start) / 1000).toFixed(0).padStart(4)} s] tills ${this.active}  entries/s ${rate.toFixed(0)}  ` +
          `ack p50 ${w.p50} p99 ${w.p99} ms  backlog ${b.entries} (${(b.age / 1000).toFixed(1)} s)  ` +
          `errors ${this.sink.errors.total}  generator cpu ${(cpu * 100).toFixed(0)}%`,
      );
      if (cpu > 0.8)
        this.opts.log('  warning: the generator is using most of a core; its numbers include its own delay');
      this.winAck = new Samples();
      winAt = at;
      winAccepted = this.sink.accepted.n;
    }, this.opts.progressMs);
    this.timers.push(timer);
    return timer;
  }

  /** One ramp step: tills up to `n` join (at the feed's position), then `ms` of load measured on its own. */
  private async step(n: number, ms: number): Promise<StepReport> {
    const s0 = performance.now();
    const now = Date.now();
    const cursor = Math.max(0, ...this.tills.slice(0, Math.max(1, this.active)).map((t) => t.cursor));
    for (let i = this.active; i < n; i++) {
      const t = this.tills[i] as SimTill;
      t.nextOpAt = now + this.gap();
      t.nextPollAt = now + this.rng() * this.opts.pollMs;
      t.cursor = cursor;
    }
    this.active = n;
    this.stepAck = new Samples();
    const errs0 = this.sink.errors.toJSON();
    const acc0 = this.sink.accepted.n;
    const up0 = this.uploads;
    await sleep(ms);
    const secs = (performance.now() - s0) / 1000;
    const errors = Object.fromEntries(
      Object.entries(this.sink.errors.toJSON())
        .map(([k, v]) => [k, v - (errs0[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    );
    return {
      tills: n,
      seconds: Math.round(secs * 10) / 10,
      entriesPerSec: Math.round((this.sink.accepted.n - acc0) / secs),
      uploadsPerSec: Math.round((this.uploads - up0) / secs),
      ack: this.stepAck.summary(),
      errors,
    };
  }

  /** 4. The ramp, step by step, with head office's health, progress lines and CPU watched. */
  async load(): Promise<LoadPhase> {
    const counts = this.opts.steps > 1 ? rampSteps(this.tills.length, this.opts.steps) : [this.tills.length];
    const stepMs = (this.opts.seconds * 1000) / counts.length;
    const self = new SelfLoad();
    const pid = this.own?.pid ?? null;
    const hqCpu0 = pid ? await processCpuSeconds(pid) : null;
    this.watchHealth();
    this.sink.ack = {
      add: (ms: number) => {
        this.totalAck.add(ms);
        this.stepAck.add(ms);
        this.winAck.add(ms);
      },
    };
    const start = performance.now();
    const progress = this.watchProgress(start, self);
    this.phase = 'load';
    const steps: StepReport[] = [];
    for (const n of counts) steps.push(await this.step(n, stepMs));
    const seconds = (performance.now() - start) / 1000;
    clearInterval(progress);
    const hqCpu1 = pid ? await processCpuSeconds(pid) : null;
    self.sample();
    const gen = self.summary();
    self.stop();
    return {
      steps,
      seconds,
      accepted: this.sink.accepted.n,
      generator: {
        ...gen,
        warning:
          gen.cpuMean > 0.8 || gen.loopDelayP99Ms > 100
            ? 'the generator was busy (CPU or event-loop delay): latencies include its own delay'
            : null,
      },
      hqCpuCores: hqCpu0 !== null && hqCpu1 !== null ? Math.round(((hqCpu1 - hqCpu0) / seconds) * 100) / 100 : null,
    };
  }

  /** 5. No events, no polls; uploads retried within 2 s until every chain is held (120 s at most). */
  async drainAll(): Promise<void> {
    this.phase = 'drain';
    // The measures are the load's: acks while draining are not counted.
    this.sink.ack = { add: () => undefined };
    this.sink.maxBackoffMs = 2_000;
    await this.drain(120_000);
    this.stop();
    while (this.tills.some((t) => t.busy)) await sleep(20);
  }

  /** Sales and returns head office recomputed to other points than this run's tills did (informational). */
  async saleMismatches(): Promise<number> {
    const view = await bearerCall<{ tills: { tillId: string; mismatches: number }[] }>(
      this.hq,
      this.token,
      'GET',
      '/v1/tills',
    );
    return view.tills.filter((t) => t.tillId.startsWith(`lg-${this.tag}-`)).reduce((a, t) => a + t.mismatches, 0);
  }
}

async function drive(
  opts: LoadOptions,
  hq: string,
  token: string,
  own: HqHandle | null,
  clients: Client[],
): Promise<LoadReport> {
  const urls = hq.split(',').map((u) => u.replace(/\/+$/, ''));
  hq = urls[0] as string;
  const run = new LoadRun(opts, hq, token, own, clients, urls);
  try {
    const storage = (await run.health()).storage ?? null;
    const provisionSeconds = await run.setUp();
    const warmErrors = await run.warmUp();
    const load = await run.load();
    await run.drainAll();
    const check = await checkAgainstHq(hq, token, run.tag, run.tills, run.sink.model, opts.checkMembers, run.rng);
    const saleMismatches = await run.saleMismatches();
    const over = load.steps.findIndex((s) => s.ack.p99 > KNEE_P99_MS);
    const errors = run.sink.errors.toJSON();
    if (warmErrors > 0) errors['warm-up errors'] = warmErrors;
    return {
      hq: { url: hq, own: own !== null, storage },
      options: {
        tills: opts.tills,
        seconds: opts.seconds,
        rate: opts.rate,
        members: opts.members,
        seed: opts.seed,
        steps: load.steps.length,
        pollMs: opts.pollMs,
        gzip: opts.gzip,
      },
      tag: run.tag,
      provisionSeconds: Math.round(provisionSeconds * 10) / 10,
      seconds: Math.round(load.seconds * 10) / 10,
      ops: run.sink.ops.toJSON(),
      entriesGenerated: run.tills.reduce((a, t) => a + t.sim.headSeq, 0),
      entriesAccepted: run.sink.accepted.n,
      entriesPerSec: Math.round(load.accepted / load.seconds),
      uploads: run.uploads,
      ack: run.totalAck.summary(),
      applyLag: { ...run.applySamples.summary(), maxBacklogEntries: run.maxBacklog },
      feedLag: { ...run.feedSamples.summary(), unseen: run.sink.feed.unseen },
      feedPolls: run.feedPolls,
      feedBytesPerSec: {
        wire: Math.round(run.sink.feedBytes.wire / load.seconds),
        json: Math.round(run.sink.feedBytes.json / load.seconds),
      },
      errors,
      steps: load.steps,
      knee: {
        p99Ms: KNEE_P99_MS,
        reached: over >= 0,
        atTills: over >= 0 ? (load.steps[over] as StepReport).tills : null,
        sustainedTills:
          over === 0 ? null : (load.steps[over > 0 ? over - 1 : load.steps.length - 1] as StepReport).tills,
      },
      generator: load.generator,
      hqCpuCores: load.hqCpuCores,
      saleMismatches,
      check,
    };
  } finally {
    run.stop();
  }
}
