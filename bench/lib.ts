/**
 * Shared bench plumbing: a till on a temp data folder, timing and statistics. Timings are
 * only ever compared with other timings of the same run (ratios); nothing asserts on them.
 */
import { statfsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { configFromEnv } from '../main/service/config.js';
import { createTill, type Till } from '../main/service/till.js';

export interface BenchContext {
  /** a fresh directory for this benchmark, removed by run.ts afterwards */
  dir: string;
}

export interface Benchmark {
  name: string;
  /** returns the benchmark's one result line */
  run(ctx: BenchContext): Promise<string>;
}

/** A till with its HTTP server on an ephemeral loopback port, logging only to its data folder. */
export function benchTill(dataDir: string, now?: () => Date): Promise<Till> {
  return createTill(
    { ...configFromEnv({}), dataDir, port: 0, host: '127.0.0.1', posApiKey: 'bench-pos-key' },
    { quiet: true, ...(now ? { now } : {}) },
  );
}

export function tillDataDir(ctx: BenchContext, name: string): string {
  return join(ctx.dir, name);
}

/** Milliseconds as a float, from a monotonic clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function timeSync(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** "0.84 ms" with enough digits for sub-millisecond figures. */
export function ms(v: number): string {
  return `${v < 0.1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

/** Deterministic pseudo-random numbers (mulberry32), so runs build the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function pick<T>(rand: () => number, xs: readonly T[]): T {
  if (xs.length === 0) throw new Error('pick from an empty list');
  return xs[Math.floor(rand() * xs.length)] as T;
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x2fc12fc1: 'zfs',
};

/** The file system the bench writes to: fsync on tmpfs is free, which changes what "durable" costs. */
export function fileSystemOf(dir: string): string {
  try {
    const type = Number(statfsSync(dir).type);
    return FS_TYPES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

export function headerLine(dir: string): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return (
    `# ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ` +
    `${process.platform}-${process.arch}; bench data in ${dir} (${fileSystemOf(dir)})`
  );
}
