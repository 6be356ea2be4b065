/**
 * The per-staff sign-in delay (main/api/signin-delay.ts) survives a flood of made-up staff
 * numbers: when a counter map is full, the entries that delay nothing yet go first, so a
 * counter slowing down guesses at a real staff number is kept (SECURITY.md: the network may not
 * guess PINs faster than the per-staff delay allows). Before, 100,001 made-up numbers, one
 * wrong PIN each, pushed the target's counter out.
 */
import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './signin-delay.js';

describe('the per-staff delay survives a flood of made-up staff numbers', () => {
  it('keeps delaying the target after 100,001 failures on other numbers', () => {
    const th = new SignInThrottle();
    let now = Date.UTC(2026, 2, 10, 4);
    // 20 wrong PINs on staff 2001 from 20 different addresses: the per-staff delay is now minutes.
    for (let i = 0; i < 20; i++) th.failed(`addr:10.0.0.${i}`, '2001', now);
    const waited = th.waitMs('addr:10.0.1.1', '2001', now);
    expect(waited).toBeGreaterThan(5 * 60_000);
    // The attacker's flood: one wrong PIN for each of 100,001 numbers nobody holds (each is free).
    now += 1000;
    for (let i = 0; i < 100_001; i++) th.failed('addr:10.0.2.1', `x${i}`, now);
    // Still well inside the delay and the quiet day: a fresh address must still wait.
    expect(th.waitMs('addr:10.0.1.2', '2001', now)).toBeGreaterThan(0);
  });
});
