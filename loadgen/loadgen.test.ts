/**
 * The load generator run small against a real head-office process it starts itself: twenty
 * tills for five seconds at a brisk rate. Head office must hold exactly what the tills wrote
 * (the model check passes for every member), and the report carries every measure the
 * README's Load section quotes.
 */
import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { DEFAULTS, rampSteps, runLoad } from './run.js';

describe('npm run loadgen', () => {
  it('climbs in even steps to every till', () => {
    expect(rampSteps(2000, 5)).toEqual([400, 800, 1200, 1600, 2000]);
    expect(rampSteps(3, 5)).toEqual([1, 2, 3]);
  });

  it('loads a real head office with 20 tills for 5 s and finds nothing lost or doubled', async () => {
    const lines: string[] = [];
    const r = await runLoad({
      ...DEFAULTS,
      tills: 20,
      seconds: 5,
      rate: 60,
      members: 20,
      steps: 2,
      pollMs: 1_000,
      progressMs: 2_000,
      log: (l) => lines.push(l),
    });
    expect(r.hq.own).toBe(true);
    expect(r.check).toMatchObject({
      verdict: 'PASS',
      memberMismatchCount: 0,
      tillsShortCount: 0,
      undelivered: { tills: 0, entries: 0 },
      tillsChecked: 20,
    });
    expect(r.check.membersChecked).toBe(r.check.members);
    expect(r.check.members).toBeGreaterThanOrEqual(20);
    expect(r.entriesAccepted).toBeGreaterThan(0);
    expect(r.entriesPerSec).toBeGreaterThan(0);
    for (const p of [r.ack, r.applyLag, r.feedLag]) {
      expect(p).toEqual(
        expect.objectContaining({ p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) }),
      );
    }
    expect(r.ack.count).toBeGreaterThan(0);
    expect(r.feedLag.count).toBeGreaterThan(0);
    // Pages were read, as JSON and off the wire (gzipped, where a page was large enough).
    expect(r.feedBytesPerSec.json).toBeGreaterThan(0);
    expect(r.feedBytesPerSec.wire).toBeGreaterThan(0);
    expect(r.feedBytesPerSec.wire).toBeLessThanOrEqual(r.feedBytesPerSec.json);
    expect(r.steps.map((s) => s.tills)).toEqual([10, 20]);
    expect(r.knee).toMatchObject({ p99Ms: 1000 });
    expect(r.errors).toEqual(expect.any(Object));
    // The simulated tills compute as real ones: head office's recomputation of every sale and return agrees.
    expect(r.saleMismatches).toBe(0);
    expect(r.generator.cpuMean).toEqual(expect.any(Number));
    expect(lines.some((l) => /^\[\s*\d+ s\] tills \d+ {2}entries\/s/.test(l))).toBe(true);
    expect(formatReport(r)).toMatch(/PASS$/);
  }, 60_000);
});
