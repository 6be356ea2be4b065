/**
 * Which `member` events the screen caused itself. Every identification publishes one `member`
 * event on the till's event stream, and the screen that asked already shows the member from the
 * answer. Each of the screen's identifications carries an id of its own (`requestId`), and the
 * till names it in the event, so the event is recognised whenever it comes: before the answer,
 * after it, or replayed after the stream reconnected.
 *
 * This replaced matching events to answers by member number and time: an answer slower than
 * the pause left a mark that swallowed the next genuine event for that member, and an own
 * event replayed late after a reconnect was taken for another's (docs/decisions.md).
 */
export class OwnIdentifications {
  /** newest last; a failed identification publishes no event, so its id only ages out */
  private readonly ids: string[] = [];

  constructor(
    /** ids remembered: far more than a screen has in flight, so no event outlives its id */
    private readonly keep = 64,
    private readonly newId: () => string = randomId,
  ) {}

  /** A fresh id for one identification: send it as the request's `requestId`. */
  next(): string {
    const id = this.newId();
    this.ids.push(id);
    if (this.ids.length > this.keep) this.ids.shift();
    return id;
  }

  /** Whether a `member` event with this `requestId` is the screen's own. */
  isOwn(requestId: string | undefined): boolean {
    return requestId !== undefined && this.ids.includes(requestId);
  }
}

/** 128 random bits as hex (crypto.randomUUID needs a secure context; this works anywhere). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
