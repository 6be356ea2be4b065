/**
 * Which `member` events the screen caused itself. Every identification publishes one `member`
 * event on the till's event stream, and the screen that asked already shows the member from the
 * answer. The event and the answer come over two connections, in either order, so:
 *
 * - an answer leaves a mark for its member, which the event consumes when it comes later;
 * - an event that comes while one of the screen's identifications is still unanswered waits
 *   for the answer, and is then matched against its mark.
 *
 * Marking only on the answer, and handling an earlier event after a fixed pause, left a mark
 * nobody consumed whenever the answer was slower than the pause; the next genuine event for
 * that member (the same member's card tapped on the till's reader) was then taken for the
 * screen's own and dropped.
 */
export class OwnIdentifications {
  private pending = 0;
  private readonly marks = new Map<string, number[]>();
  private waiting: { memberNo: string; at: number; handle: () => void }[] = [];

  constructor(
    /** how long a mark or a waiting event is kept: an answer or event later than this is treated as unrelated */
    private readonly keepMs = 3_000,
    private readonly now: () => number = Date.now,
    private readonly schedule: (run: () => void, ms: number) => void = (run, ms) => void setTimeout(run, ms),
  ) {}

  /** Wraps one of the screen's identifications; the answer passes through unchanged. */
  track<T extends { memberNo: string }>(answer: Promise<T>): Promise<T> {
    this.pending += 1;
    let done = false;
    const settle = (memberNo: string | null): void => {
      if (done) return;
      done = true;
      this.pending -= 1;
      if (memberNo !== null) this.marks.set(memberNo, [...this.fresh(memberNo), this.now()]);
      if (this.pending === 0) this.flush(false);
    };
    answer.then(
      (m) => settle(m.memberNo),
      () => settle(null),
    );
    return answer;
  }

  /** A `member` event: `handle` runs unless the event is the screen's own. */
  event(memberNo: string, handle: () => void): void {
    if (this.pending === 0) {
      if (!this.take(memberNo)) handle();
      return;
    }
    this.waiting.push({ memberNo, at: this.now(), handle });
    // An answer that never comes must not hold the event for good.
    this.schedule(() => this.flush(true), this.keepMs);
  }

  private flush(onlyOverdue: boolean): void {
    const due = onlyOverdue ? this.waiting.filter((w) => this.now() - w.at >= this.keepMs) : this.waiting;
    if (due.length === 0) return;
    this.waiting = this.waiting.filter((w) => !due.includes(w));
    for (const w of due) if (!this.take(w.memberNo)) w.handle();
  }

  private fresh(memberNo: string): number[] {
    return (this.marks.get(memberNo) ?? []).filter((t) => this.now() - t < this.keepMs);
  }

  /** Consumes one recent mark for this member; false when there is none. */
  private take(memberNo: string): boolean {
    const fresh = this.fresh(memberNo);
    const hit = fresh.shift() !== undefined;
    if (fresh.length) this.marks.set(memberNo, fresh);
    else this.marks.delete(memberNo);
    return hit;
  }
}
