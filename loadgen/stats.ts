/**
 * Measurements the load generator keeps: latency samples with percentiles (nearest rank over
 * the sorted samples: exact, and cheap enough for the few hundred thousand samples of a run),
 * counters by error code, and the CPU the generator itself spends.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted `xs` (ms, rounded to 0.1); 0 without samples. */
function rank(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const i = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
  return Math.round((xs[i] as number) * 10) / 10;
}

export class Samples {
  private xs: number[] = [];

  add(ms: number): void {
    this.xs.push(ms);
  }

  get count(): number {
    return this.xs.length;
  }

  summary(): Percentiles {
    const s = [...this.xs].sort((a, b) => a - b);
    return { count: s.length, p50: rank(s, 50), p95: rank(s, 95), p99: rank(s, 99), max: rank(s, 100) };
  }
}

export class Counter {
  readonly byKey = new Map<string, number>();

  add(key: string, n = 1): void {
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + n);
  }

  get total(): number {
    let t = 0;
    for (const n of this.byKey.values()) t += n;
    return t;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/**
 * The generator's own load: CPU as a share of one core (its event loop is one thread) and the
 * event loop's delay. Either high means the numbers measure the generator, not head office.
 */
export class SelfLoad {
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private readonly shares: number[] = [];

  constructor() {
    this.loop.enable();
  }

  /** CPU share of one core since the last call (0..1+), kept for the run's summary. */
  sample(): number {
    const cpu = process.cpuUsage(this.lastCpu);
    const at = performance.now();
    const share = (cpu.user + cpu.system) / 1000 / Math.max(1, at - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = at;
    this.shares.push(share);
    return share;
  }

  summary(): { cpuMean: number; cpuMax: number; loopDelayP99Ms: number } {
    const mean = this.shares.reduce((a, b) => a + b, 0) / Math.max(1, this.shares.length);
    const r = (x: number): number => Math.round(x * 100) / 100;
    return {
      cpuMean: r(mean),
      cpuMax: r(Math.max(0, ...this.shares)),
      loopDelayP99Ms: Math.round(this.loop.percentile(99) / 1e5) / 10,
    };
  }

  stop(): void {
    this.loop.disable();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}
