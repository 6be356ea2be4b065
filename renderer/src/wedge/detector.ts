/**
 * Keyboard-wedge scanner detection, pure (no DOM): most barcode and many NFC readers "type"
 * their code into whatever has the focus. A scanner types much faster than a person: this
 * module tells a scanner burst from human typing by the time between keys and the
 * terminator, so the adapter (adapter.ts) can route a burst to identification and keep its
 * characters out of form fields, and let a person's keys through.
 *
 * The rules:
 * - A printable key starts or extends a burst when it follows the previous key within
 *   `maxGapMs`. Every key of a possible burst is held (swallowed) until the burst is judged.
 * - A burst of at least `minLength` characters is a scan. It ends with a terminator (Enter or
 *   Tab, swallowed with it) or, for scanners configured without one, when `stallMs` pass
 *   without another key. Once that long, a burst survives a stall of up to `stallMs` (a busy
 *   machine delivering keys late), and a terminator arriving up to `lateTerminatorMs` after a
 *   burst without one is swallowed too, so a slow terminator cannot submit a form.
 * - Anything shorter, once `maxGapMs` pass without another key, is a person typing: the held
 *   keys are handed back ("type") in order, to be replayed into the field that had the focus.
 *   A terminator then does its usual job.
 * - If keys handed back that way came fast and a scan starts within `stallMs` of them, they
 *   were the head of a stalled burst: the scan includes them and says how many characters
 *   the adapter must take back out of the field (`retract`).
 * - Time is the keys' own timestamps (when the browser received them), not when they reach
 *   the page: a busy page or machine delivers keys late, and that must not split a burst.
 *   So the timer that ends a burst (`nextDeadline`, `flush`) counts its pause from when the
 *   last key *reached the page* (`at`) if that was later than its timestamp: keys stamped in
 *   time behind it are still on their way. And if a timer judged anyway before such a key
 *   arrived, the key's timestamp decides: a key stamped within `maxGapMs` of keys just handed
 *   back continues their burst, they count toward `minLength`, and a scan takes them back
 *   (`retract`), as if the key had come in time.
 * - A key no scanner sends (Backspace, arrows, Escape, a Ctrl/Alt/Meta chord, an IME
 *   composition key, an auto-repeat) is a person's: it passes at once and does not break a
 *   burst in progress, which is judged as if the key had not come. (A person's printable key
 *   landing inside a burst, within milliseconds of the scanner's keys, cannot be told apart by
 *   timing: it becomes part of the code, whose check digit then refuses it as a misread.)
 *   Modifier keys alone (Shift for upper-case letters) change nothing.
 * - A burst never starts with a space (the space bar must keep pressing buttons).
 */

export interface WedgeKey {
  /** KeyboardEvent.key */
  key: string;
  /** ms, a monotonic clock (KeyboardEvent.timeStamp / performance.now()) */
  t: number;
  /**
   * ms, the same clock: when the page received the key (performance.now() in its handler),
   * when a busy page or machine delivered it later than `t`; `t` when not given
   */
  at?: number;
  repeat?: boolean;
  composing?: boolean;
  ctrl?: boolean;
  alt?: boolean;
  meta?: boolean;
}

export interface WedgeOptions {
  /** the longest pause between two keys of a burst's start (and how long a person's key waits) */
  maxGapMs: number;
  /** the shortest code a scanner sends */
  minLength: number;
  /** keys a scanner may end a code with */
  terminators: readonly string[];
  /** the longest stall a burst of minLength or more survives; also ends a burst without terminator */
  stallMs: number;
  /** a terminator this soon after a burst without one still belongs to it */
  lateTerminatorMs: number;
  /** a burst longer than this is judged at once (no code is this long) */
  maxLength: number;
}

export const DEFAULT_WEDGE_OPTIONS: WedgeOptions = {
  maxGapMs: 30,
  minLength: 6,
  terminators: ['Enter', 'Tab'],
  stallMs: 100,
  lateTerminatorMs: 100,
  maxLength: 512,
};

export type Terminator = 'Enter' | 'Tab' | 'none';

export type Verdict =
  /** swallow the current key (held for now, or part of a scan) */
  | { kind: 'hold' }
  /** let the current key do what it normally does */
  | { kind: 'pass' }
  /**
   * held keys were a scanner's code; `retract` characters handed back just before (as
   * `type`) belonged to it and must be taken back out of the field
   */
  | { kind: 'scan'; code: string; terminator: Terminator; durationMs: number; retract: number }
  /** held keys were a person typing: replay them, in order */
  | { kind: 'type'; keys: string[] };

const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'CapsLock', 'AltGraph', 'NumLock', 'Fn']);

interface Held {
  key: string;
  t: number;
  /** when it reached the page (not before `t`) */
  seen: number;
}

export class WedgeDetector {
  private held: Held[] = [];
  private lastScanEnd = -Infinity;
  /**
   * keys last handed back as typing, when they came as fast as a scanner's; `open` when no
   * terminator ended them (a timer, or the next key, found the pause)
   */
  private handedBack: { keys: Held[]; at: number; open: boolean } | null = null;
  /**
   * keys handed back just before the held burst that it continues (stamped within `maxGapMs`
   * of them: a timer judged them before the burst's next key, stamped in time, arrived)
   */
  private carried: Held[] = [];
  readonly options: WedgeOptions;

  constructor(options: Partial<WedgeOptions> = {}) {
    this.options = { ...DEFAULT_WEDGE_OPTIONS, ...options };
  }

  /** Whether keys are being held (a possible burst is in progress). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** The held burst's length so far, with the keys handed back that it continues. */
  private count(): number {
    return this.carried.length + this.held.length;
  }

  /** How long after its last key the held burst may still grow. */
  private window(): number {
    return this.count() >= this.options.minLength ? this.options.stallMs : this.options.maxGapMs;
  }

  /**
   * When `flush` should be called if no key comes first; null when nothing is held. Counted
   * from when the last key reached the page: keys stamped after it may be as late as it was.
   */
  nextDeadline(): number | null {
    const last = this.held[this.held.length - 1];
    return last ? last.seen + this.window() + 1 : null;
  }

  /** Judges what is held if its burst is over by `now` (timer; `now` on the keys' clock). */
  flush(now: number): Verdict[] {
    const last = this.held[this.held.length - 1];
    if (!last || now - last.seen <= this.window()) return [];
    return this.judge('none', now);
  }

  /** Feeds one keydown; the last verdict is always the current key's: `hold` or `pass`. */
  key(k: WedgeKey): Verdict[] {
    const o = this.options;
    const out: Verdict[] = [];
    const last = this.held[this.held.length - 1];
    if (last && k.t - last.t > this.window()) out.push(...this.judge('none', k.t));

    if (MODIFIERS.has(k.key)) return [...out, { kind: 'pass' }];

    const interrupting =
      k.composing === true ||
      k.key === 'Process' ||
      k.key === 'Unidentified' ||
      k.repeat === true ||
      k.ctrl === true ||
      k.alt === true ||
      k.meta === true;
    const terminator = o.terminators.includes(k.key);
    const printable = [...k.key].length === 1;

    if (interrupting || (!terminator && !printable)) {
      // A person acted on the field: what was handed back is theirs now.
      this.handedBack = null;
      return [...out, { kind: 'pass' }];
    }

    if (terminator) {
      if (this.held.length) {
        const judged = this.judge(k.key as Terminator, k.t);
        out.push(...judged);
        // The terminator belongs to the scan; after a person's keys it does its usual job.
        return [...out, { kind: judged[0]?.kind === 'scan' ? 'hold' : 'pass' }];
      }
      if (k.t - this.lastScanEnd <= o.lateTerminatorMs) {
        this.lastScanEnd = -Infinity;
        return [...out, { kind: 'hold' }];
      }
      this.handedBack = null;
      return [...out, { kind: 'pass' }];
    }

    // A printable character.
    if (!this.held.length) {
      // Stamped in time for the keys just handed back: a timer judged them before this key
      // arrived (a busy machine). It continues their burst, as it would have had it come in time.
      const head = this.handedBack;
      if (head?.open && k.t - head.at <= o.maxGapMs) {
        this.carried = head.keys;
        this.handedBack = null;
      } else if (k.key === ' ') {
        this.handedBack = null;
        return [...out, { kind: 'pass' }];
      }
    }
    this.held.push({ key: k.key, t: k.t, seen: Math.max(k.t, k.at ?? k.t) });
    if (this.count() >= o.maxLength) out.push(...this.judge('none', k.t));
    return [...out, { kind: 'hold' }];
  }

  reset(): void {
    this.held = [];
    this.carried = [];
    this.lastScanEnd = -Infinity;
    this.handedBack = null;
  }

  private fast(keys: readonly Held[]): boolean {
    for (let i = 1; i < keys.length; i++) {
      if ((keys[i] as Held).t - (keys[i - 1] as Held).t > this.options.maxGapMs) return false;
    }
    return true;
  }

  /** `judgedAt`: when the burst was found to be over (a late terminator counts from then). */
  private judge(terminator: Terminator, judgedAt: number): Verdict[] {
    const held = this.held;
    const carried = this.carried;
    this.held = [];
    this.carried = [];
    if (!held.length) return [];
    const first = held[0] as Held;
    const last = held[held.length - 1] as Held;
    if (carried.length + held.length >= this.options.minLength) {
      if (terminator === 'none') this.lastScanEnd = judgedAt;
      // The head of this burst may have been handed back as typing during a stall, or judged
      // by a timer before this burst's keys, stamped in time, arrived.
      const head = carried.length ? { keys: carried, at: (carried[carried.length - 1] as Held).t } : this.handedBack;
      this.handedBack = null;
      const joined = head !== null && (carried.length > 0 || first.t - head.at <= this.options.stallMs);
      const keys = joined ? [...head.keys, ...held] : held;
      return [
        {
          kind: 'scan',
          code: keys.map((h) => h.key).join(''),
          terminator,
          durationMs: last.t - (keys[0] as Held).t,
          retract: joined ? head.keys.length : 0,
        },
      ];
    }
    // What the field received of this burst so far, in case a later key shows it was a scan's.
    const typed = [...carried, ...held];
    this.handedBack = this.fast(typed) ? { keys: typed, at: last.t, open: terminator === 'none' } : null;
    return [{ kind: 'type', keys: held.map((h) => h.key) }];
  }
}
