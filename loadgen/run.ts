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
import { operatorCall, provision } from './operator.js';
import { ChainModel } from './model.js';
import { Counter, SelfLoad, Samples, processCpuSeconds, type Percentiles } from './stats.js';
import { FEED_PAGE, FeedLag, SimTill, type Sink } from './till.js';

export interface LoadOptions {
  tills: number;
  seconds: number;
  /** head office's base URL; null = start one */
  hq: string | null;
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
  log: (line: string) => void;
}

export const DEFAULTS: Omit<LoadOptions, 'tills' | 'seconds' | 'log'> = {
  hq: null,
  operatorToken: null,
  rate: 4,
  members: 0,
  seed: 1,
  steps: 5,
  pollMs: 5_000,
  progressMs: 5_000,
  checkMembers: 5_000,
  hqEnv: {},
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
  errors: Record<string, number>;
  steps: StepReport[];
  knee: { p99Ms: number; reached: boolean; atTills: number | null; sustainedTills: number | null };
  generator: { cpuMean: number; cpuMax: number; loopDelayP99Ms: number; warning: string | null };
  hqCpuCores: number | null;
  /** sales head office recomputed to other points than the till (GET /v1/tills mismatches), for information */
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
  let hqUrl = opts.hq;
  let token = opts.operatorToken;
  if (!hqUrl) {
    own = await startOwnHq(opts.hqEnv);
    hqUrl = own.url;
    token = own.operatorToken;
    opts.log(`started head office at ${hqUrl}`);
  }
  if (!token) throw new Error('an operator token is needed for --hq (HQ_OPERATOR_TOKEN or --token)');
  const clients: Client[] = [];
  try {
    return await drive(opts, hqUrl.replace(/\/+$/, ''), token, own, clients);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await own?.stop();
  }
}

async function drive(
  opts: LoadOptions,
  hq: string,
  token: string,
  own: HqHandle | null,
  clients: Client[],
): Promise<LoadReport> {
  const tag = randomBytes(3).toString('hex');
  const health = async (): Promise<{
    storage?: string;
    inbox?: { entries: number; oldestReceivedAt: string | null };
  }> =>
    (await fetch(`${hq}/v1/health`)).json() as Promise<{
      storage?: string;
      inbox?: { entries: number; oldestReceivedAt: string | null };
    }>;
  const storage = (await health()).storage ?? null;

  const p0 = performance.now();
  const issued = await provision(hq, token, tag, opts.tills);
  const provisionSeconds = (performance.now() - p0) / 1000;
  opts.log(`provisioned ${issued.length} tills in ${provisionSeconds.toFixed(1)} s (POST /v1/tills)`);

  const rng = rngOf(opts.seed);
  const totalAck = new Samples();
  let stepAck = new Samples();
  let winAck = new Samples();
  const feedSamples = new Samples();
  const sink: Sink = {
    model: new ChainModel(`L${tag}`),
    rng,
    ack: { add: () => undefined } as unknown as Samples,
    errors: new Counter(),
    accepted: { n: 0 },
    ops: new Counter(),
    feed: new FeedLag(feedSamples),
    maxBackoffMs: 60_000,
  };
  const loop = isLoopback(hq);
  const tills = issued.map((t, i) => {
    const client = new Client(hq, {
      pipelining: 1,
      keepAliveTimeout: 60_000,
      ...(loop ? { localAddress: sourceAddress(i) } : {}),
    });
    clients.push(client);
    return new SimTill({ tillId: t.tillId, storeId: t.storeId, secret: t.secret as string }, client, sink);
  });

  let phase: 'idle' | 'load' | 'drain' = 'idle';
  let active = 0;
  let feedPolls = 0;
  let uploads = 0;
  const perMinute = opts.rate / 60_000;
  const gap = (): number => (perMinute > 0 ? -Math.log(1 - rng()) / perMinute : Infinity);
  const tick = (): void => {
    const now = Date.now();
    const when = new Date(now).toISOString();
    for (let i = 0; i < active; i++) {
      const t = tills[i] as SimTill;
      if (phase === 'load') {
        while (now >= t.nextOpAt) {
          t.act(when);
          t.nextOpAt += gap();
        }
      }
      if (t.canUpload(now)) {
        uploads += 1;
        void t.upload();
      }
      if (phase === 'load' && t.canPoll(now)) {
        feedPolls += 1;
        void t.poll(opts.pollMs);
      }
    }
  };
  const ticker = setInterval(tick, 20);
  const allHeld = (): boolean => tills.slice(0, active).every((t) => t.waiting === 0);
  const drain = async (ms: number): Promise<void> => {
    const end = Date.now() + ms;
    while (!allHeld() && Date.now() < end) await sleep(50);
  };

  try {
    // 3. warm-up: members spread over every till, uploaded before the clock starts.
    sink.ack = { add: () => undefined } as unknown as Samples;
    active = tills.length;
    const now0 = Date.now();
    for (const t of tills) {
      t.nextOpAt = Infinity;
      t.nextPollAt = Infinity;
    }
    const when0 = new Date(now0).toISOString();
    for (let k = 0; k < opts.members; k++) (tills[k % tills.length] as SimTill).enrol(when0);
    await drain(120_000);
    if (!allHeld()) throw new Error('warm-up: head office did not take the enrolments within 120 s');
    if (opts.members > 0) opts.log(`warm-up: ${opts.members} members enrolled`);
    // Tills in service are caught up with the feed: one pulls it to the end, all start there.
    const first = tills[0] as SimTill;
    while ((await first.poll(0)) >= FEED_PAGE);
    for (const t of tills) t.cursor = first.cursor;
    const warmErrors = sink.errors.total;
    sink.errors = new Counter();
    sink.ops = new Counter();
    sink.accepted.n = 0;
    uploads = 0;
    active = 0;

    // 4. load, step by step.
    const counts = opts.steps > 1 ? rampSteps(tills.length, opts.steps) : [tills.length];
    const stepMs = (opts.seconds * 1000) / counts.length;
    const self = new SelfLoad();
    const hqCpu0 = own?.pid ? await processCpuSeconds(own.pid) : null;
    const applySamples = new Samples();
    let maxBacklog = 0;
    let lastBacklog = { entries: 0, age: 0 };
    const monitor = setInterval(() => {
      health()
        .then((h) => {
          const oldest = h.inbox?.oldestReceivedAt;
          const age = oldest ? Math.max(0, Date.now() - Date.parse(oldest)) : 0;
          applySamples.add(age);
          maxBacklog = Math.max(maxBacklog, h.inbox?.entries ?? 0);
          lastBacklog = { entries: h.inbox?.entries ?? 0, age };
        })
        .catch(() => sink.errors.add('health unreachable'));
    }, 1_000);
    sink.ack = {
      add: (ms: number) => {
        totalAck.add(ms);
        stepAck.add(ms);
        winAck.add(ms);
      },
    } as unknown as Samples;
    const start = performance.now();
    let winAt = start;
    let winAccepted = 0;
    const progress = setInterval(() => {
      const at = performance.now();
      const cpu = self.sample();
      const w = winAck.summary();
      const rate = ((sink.accepted.n - winAccepted) * 1000) / (at - winAt);
      opts.log(
        `[${((at - start) / 1000).toFixed(0).padStart(4)} s] tills ${active}  entries/s ${rate.toFixed(0)}  ` +
          `ack p50 ${w.p50} p99 ${w.p99} ms  backlog ${lastBacklog.entries} (${(lastBacklog.age / 1000).toFixed(1)} s)  ` +
          `errors ${sink.errors.total}  generator cpu ${(cpu * 100).toFixed(0)}%`,
      );
      if (cpu > 0.8) opts.log('  warning: the generator is using most of a core; its numbers include its own delay');
      winAck = new Samples();
      winAt = at;
      winAccepted = sink.accepted.n;
    }, opts.progressMs);

    const steps: StepReport[] = [];
    phase = 'load';
    let cursorSeen = first.cursor;
    for (const n of counts) {
      const s0 = performance.now();
      const now = Date.now();
      // Tills joining now start from the feed's position, as tills that have been running would.
      cursorSeen = Math.max(cursorSeen, ...tills.slice(0, active).map((t) => t.cursor));
      for (let i = active; i < n; i++) {
        const t = tills[i] as SimTill;
        t.nextOpAt = now + gap();
        t.nextPollAt = now + rng() * opts.pollMs;
        t.cursor = cursorSeen;
      }
      active = n;
      stepAck = new Samples();
      const errs0 = sink.errors.toJSON();
      const acc0 = sink.accepted.n;
      const up0 = uploads;
      await sleep(stepMs);
      const secs = (performance.now() - s0) / 1000;
      const errs = sink.errors.toJSON();
      const stepErrors = Object.fromEntries(
        Object.entries(errs)
          .map(([k, v]) => [k, v - (errs0[k] ?? 0)] as const)
          .filter(([, v]) => v > 0),
      );
      steps.push({
        tills: n,
        seconds: Math.round(secs * 10) / 10,
        entriesPerSec: Math.round((sink.accepted.n - acc0) / secs),
        uploadsPerSec: Math.round((uploads - up0) / secs),
        ack: stepAck.summary(),
        errors: stepErrors,
      });
    }
    const loadSeconds = (performance.now() - start) / 1000;
    const acceptedInLoad = sink.accepted.n;
    clearInterval(progress);
    const hqCpu1 = own?.pid ? await processCpuSeconds(own.pid) : null;
    self.sample();
    const gen = self.summary();
    self.stop();

    // 5. drain
    phase = 'drain';
    // The measures are the load's: acks while draining are not counted.
    sink.ack = new Samples();
    sink.maxBackoffMs = 2_000;
    await drain(120_000);
    clearInterval(monitor);
    clearInterval(ticker);
    while (tills.some((t) => t.busy)) await sleep(20);

    // 6. check
    const check = await checkAgainstHq(hq, token, tag, tills, sink.model, opts.checkMembers, rng);
    const tillsView = await operatorCall<{ tills: { tillId: string; mismatches: number }[] }>(
      hq,
      token,
      'GET',
      '/v1/tills',
    );
    const saleMismatches = tillsView.tills
      .filter((t) => t.tillId.startsWith(`lg-${tag}-`))
      .reduce((a, t) => a + t.mismatches, 0);

    const over = steps.findIndex((s) => s.ack.p99 > KNEE_P99_MS);
    const errors = sink.errors.toJSON();
    if (warmErrors > 0) errors['warm-up errors'] = warmErrors;
    return {
      hq: { url: hq, own: own !== null, storage },
      options: {
        tills: opts.tills,
        seconds: opts.seconds,
        rate: opts.rate,
        members: opts.members,
        seed: opts.seed,
        steps: counts.length,
        pollMs: opts.pollMs,
      },
      tag,
      provisionSeconds: Math.round(provisionSeconds * 10) / 10,
      seconds: Math.round(loadSeconds * 10) / 10,
      ops: sink.ops.toJSON(),
      entriesGenerated: tills.reduce((a, t) => a + t.sim.headSeq, 0),
      entriesAccepted: sink.accepted.n,
      entriesPerSec: Math.round(acceptedInLoad / loadSeconds),
      uploads,
      ack: totalAck.summary(),
      applyLag: { ...applySamples.summary(), maxBacklogEntries: maxBacklog },
      feedLag: { ...feedSamples.summary(), unseen: sink.feed.unseen },
      feedPolls,
      errors,
      steps,
      knee: {
        p99Ms: KNEE_P99_MS,
        reached: over >= 0,
        atTills: over >= 0 ? (steps[over] as StepReport).tills : null,
        sustainedTills: over === 0 ? null : (steps[over > 0 ? over - 1 : steps.length - 1] as StepReport).tills,
      },
      generator: {
        ...gen,
        warning:
          gen.cpuMean > 0.8 || gen.loopDelayP99Ms > 100
            ? 'the generator was busy (CPU or event-loop delay): latencies include its own delay'
            : null,
      },
      hqCpuCores: hqCpu0 !== null && hqCpu1 !== null ? Math.round(((hqCpu1 - hqCpu0) / loadSeconds) * 100) / 100 : null,
      saleMismatches,
      check,
    };
  } finally {
    phase = 'idle';
    clearInterval(ticker);
  }
}
