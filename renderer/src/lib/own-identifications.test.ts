import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OwnIdentifications } from './own-identifications.js';

/** A promise the test answers or fails when it wants to. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup() {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const own = new OwnIdentifications(
    3_000,
    () => now,
    (run, ms) => void timers.push({ at: now + ms, run }),
  );
  const handled: string[] = [];
  return {
    own,
    handled,
    event: (memberNo: string) => own.event(memberNo, () => handled.push(memberNo)),
    advance(ms: number) {
      now += ms;
      for (const t of timers.splice(0).sort((a, b) => a.at - b.at))
        if (t.at <= now) t.run();
        else timers.push(t);
    },
  };
}

describe('OwnIdentifications', () => {
  it("skips the screen's own event when it comes after the answer", async () => {
    const s = setup();
    const a = deferred<{ memberNo: string }>();
    void s.own.track(a.promise);
    a.resolve({ memberNo: 'M1' });
    await tick();
    s.event('M1');
    expect(s.handled).toEqual([]);
    s.event('M1'); // the same member identified by the till's reader: shown
    expect(s.handled).toEqual(['M1']);
  });

  it('an event before a slow answer waits for it and leaves no mark behind (the dropped tap)', async () => {
    const s = setup();
    const a = deferred<{ memberNo: string }>();
    void s.own.track(a.promise);
    s.event('M1');
    s.advance(800); // slower than the 150 ms pause the screen used to wait
    expect(s.handled).toEqual([]);
    a.resolve({ memberNo: 'M1' });
    await tick();
    expect(s.handled).toEqual([]);
    s.event('M1'); // the cashier clears and taps the same member's card
    expect(s.handled).toEqual(['M1']);
  });

  it("another member's event waits for the answer, then is shown", async () => {
    const s = setup();
    const a = deferred<{ memberNo: string }>();
    void s.own.track(a.promise);
    s.event('M2');
    expect(s.handled).toEqual([]);
    a.resolve({ memberNo: 'M1' });
    await tick();
    expect(s.handled).toEqual(['M2']);
  });

  it('a failed identification releases the events that waited for it', async () => {
    const s = setup();
    const a = deferred<{ memberNo: string }>();
    s.own.track(a.promise).catch(() => {});
    s.event('M1');
    a.reject(new Error('unknown_card'));
    await tick();
    expect(s.handled).toEqual(['M1']);
  });

  it('an answer that never comes holds an event no longer than the keep time', () => {
    const s = setup();
    void s.own.track(new Promise<{ memberNo: string }>(() => {}));
    s.event('M1');
    s.advance(2_999);
    expect(s.handled).toEqual([]);
    s.advance(1);
    expect(s.handled).toEqual(['M1']);
  });

  it('a mark older than the keep time no longer hides an event', async () => {
    const s = setup();
    void s.own.track(Promise.resolve({ memberNo: 'M1' }));
    await tick();
    s.advance(3_000);
    s.event('M1');
    expect(s.handled).toEqual(['M1']);
  });

  it("property: in any interleaving, exactly the others' events are shown", async () => {
    // An own identification is three happenings: it starts, then its answer and its event come
    // in either order. Others' events (the POS, the till's reader) come whenever. Keys place
    // every happening on one timeline.
    const own = fc.record({
      kind: fc.constant('own' as const),
      member: fc.constantFrom('A', 'B', 'C'),
      keys: fc.tuple(fc.nat(1_000), fc.nat(1_000), fc.nat(1_000)),
      eventFirst: fc.boolean(),
    });
    const other = fc.record({
      kind: fc.constant('other' as const),
      member: fc.constantFrom('A', 'B', 'C'),
      key: fc.nat(1_000),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(own, other), { maxLength: 10 }), async (steps) => {
        const s = setup();
        const timeline: { key: number; happen: () => Promise<void> | void }[] = [];
        const others: string[] = [];
        for (const st of steps) {
          if (st.kind === 'other') {
            others.push(st.member);
            timeline.push({ key: st.key, happen: () => s.event(st.member) });
            continue;
          }
          const [k0, k1, k2] = [...st.keys].sort((x, y) => x - y) as [number, number, number];
          const a = deferred<{ memberNo: string }>();
          const answer = async () => {
            a.resolve({ memberNo: st.member });
            await tick();
          };
          const event = () => s.event(st.member);
          timeline.push({ key: k0, happen: () => void s.own.track(a.promise) });
          timeline.push({ key: k1, happen: st.eventFirst ? event : answer });
          timeline.push({ key: k2, happen: st.eventFirst ? answer : event });
        }
        // Array.prototype.sort is stable: a start keeps its place before its answer and event.
        for (const { happen } of timeline.sort((x, y) => x.key - y.key)) await happen();
        await tick();
        expect([...s.handled].sort()).toEqual([...others].sort());
      }),
      { numRuns: 300 },
    );
  });
});
