/**
 * Natural batching: requests that arrive while `lanes` batches are already being answered
 * wait, and the next batch answers all of them at once (at most `max`). An idle store answers
 * a lone request on the event loop's next turn, with no timer; under load each batch grows to what arrived during
 * the last one, so the statements per request fall as the requests per second rise.
 *
 * Head office uses it where thousands of tills ask the same question a few seconds apart
 * (who is this till, what is new in the feed): one statement for the batch instead of one per
 * till, on a database whose CPU is the chain's shared limit.
 */

/** A batch's answer to each request, in order: the value, or the error for that request alone. */
export type BatchAnswer<V> = V | Error;

interface Waiting<R, V> {
  req: R;
  resolve(v: V): void;
  reject(e: unknown): void;
}

export class NaturalBatcher<R, V> {
  private readonly queue: Waiting<R, V>[] = [];
  private running = 0;
  private scheduled = 0;

  constructor(
    /** answers a batch; answering one request with an Error fails that request only */
    private readonly answer: (reqs: readonly R[]) => Promise<readonly BatchAnswer<V>[]>,
    private readonly max = 64,
    private readonly lanes = 1,
  ) {}

  submit(req: R): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      // The next turn of the event loop, not now: requests read from other connections in the
      // same turn (an in-process database answers a batch before the next socket is read) join.
      if (this.running + this.scheduled < this.lanes) {
        this.scheduled++;
        setImmediate(() => {
          this.scheduled--;
          void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.max);
        try {
          const out = await this.answer(batch.map((w) => w.req));
          if (out.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${out.length}`);
          batch.forEach((w, i) => {
            const v = out[i] as BatchAnswer<V>;
            if (v instanceof Error) w.reject(v);
            else w.resolve(v);
          });
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.running--;
    }
  }
}
