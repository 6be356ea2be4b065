/**
 * The wedge adapter's timer on a busy till: keys stamped in time but delivered late, and a
 * timer that fires late, while such keys are still queued behind it. No DOM here (the
 * renderer's tests run in Node): a stand-in window with its own clock and timers, a text field
 * and a document whose execCommand edits it, as much of them as the adapter uses.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GRACE_MS, LATE_MS, startWedge, type WedgeAdapter } from './adapter.js';

class FakeElement {}
class FakeTextArea extends FakeElement {}
class FakeInput extends FakeElement {
  value = '';
  selectionStart = 0;
  selectionEnd = 0;
  readOnly = false;
  disabled = false;
  type = 'text';
  isConnected = true;
  constructor(private readonly doc: FakeDocument) {
    super();
  }
  focus(): void {
    this.doc.activeElement = this;
  }
  setSelectionRange(start: number, end: number): void {
    this.selectionStart = start;
    this.selectionEnd = end;
  }
  /** What the browser does with a key nobody prevented. */
  typed(text: string): void {
    this.value = this.value.slice(0, this.selectionStart) + text + this.value.slice(this.selectionEnd);
    this.selectionStart = this.selectionEnd = this.selectionStart + text.length;
  }
}

class FakeDocument {
  activeElement: FakeInput | null = null;
  execCommand(command: string, _ui: boolean, text?: string): boolean {
    const f = this.activeElement;
    if (!f) return false;
    if (command === 'insertText') f.typed(text ?? '');
    else if (command === 'delete') f.typed('');
    else return false;
    return true;
  }
}

/** A page's clock and timers; `at(t)` runs what is due by `t` (on time) and moves the clock to `t`. */
class FakePage {
  now = 0;
  private timers = new Map<number, { due: number; fn: () => void }>();
  private ids = 0;
  private listener: ((e: KeyboardEvent) => void) | null = null;
  readonly doc = new FakeDocument();
  readonly field = new FakeInput(this.doc);

  readonly window = {
    document: this.doc,
    performance: { now: () => this.now },
    setTimeout: (fn: () => void, ms = 0) => {
      const id = ++this.ids;
      this.timers.set(id, { due: this.now + ms, fn });
      return id;
    },
    clearTimeout: (id: number) => void this.timers.delete(id),
    addEventListener: (_type: string, fn: (e: KeyboardEvent) => void) => void (this.listener = fn),
    removeEventListener: () => void (this.listener = null),
  } as unknown as Window;

  /** The next timer's due time, or null. */
  next(): number | null {
    let first: number | null = null;
    for (const t of this.timers.values()) if (first === null || t.due < first) first = t.due;
    return first;
  }

  /** Runs the timers due by `t`, each at its time, then moves the clock to `t`. */
  at(t: number): void {
    for (let due = this.next(); due !== null && due <= t; due = this.next()) this.fire(due);
    this.now = t;
  }

  /** The thread was busy until `t`: the timers due by then run at `t`, late. */
  busyUntil(t: number): void {
    this.now = t;
    for (let due = this.next(); due !== null && due <= t; due = this.next()) this.fire(due, t);
  }

  private fire(due: number, at = due): void {
    for (const [id, timer] of this.timers) {
      if (timer.due !== due) continue;
      this.timers.delete(id);
      this.now = at;
      timer.fn();
      return;
    }
  }

  /** A key stamped `t` reaches the page now; a key nobody prevented reaches the field. */
  key(key: string, t: number): void {
    let prevented = false;
    const e = {
      key,
      timeStamp: t,
      repeat: false,
      isComposing: false,
      ctrlKey: false,
      altKey: false,
      metaKey: false,
      preventDefault: () => void (prevented = true),
      stopImmediatePropagation: () => undefined,
    } as unknown as KeyboardEvent;
    this.listener?.(e);
    if (!prevented && [...key].length === 1 && this.doc.activeElement) this.doc.activeElement.typed(key);
  }
}

let page: FakePage;
let wedge: WedgeAdapter;
let scans: string[];

beforeEach(() => {
  vi.stubGlobal('HTMLElement', FakeElement);
  vi.stubGlobal('HTMLInputElement', FakeInput);
  vi.stubGlobal('HTMLTextAreaElement', FakeTextArea);
  page = new FakePage();
  vi.stubGlobal('document', page.doc);
  page.field.focus();
  scans = [];
  wedge = startWedge((code, info) => scans.push(`${code}|${info.terminator}`), {}, page.window);
});

afterEach(() => {
  wedge.stop();
  vi.unstubAllGlobals();
});

const CODE = '2000000000147';

describe('the timer on a busy till', () => {
  it('on time: a scanner burst is one scan, nothing reaches the field', () => {
    [...CODE].forEach((k, i) => {
      page.at(i * 4);
      page.key(k, i * 4);
    });
    page.at(52);
    page.key('Enter', 52);
    page.at(1000);
    expect(scans).toEqual([`${CODE}|Enter`]);
    expect(page.field.value).toBe('');
  });

  it("on time: a person's slow keys reach the field", () => {
    page.at(0);
    page.key('1', 0);
    page.at(200);
    page.key('3', 200);
    page.at(1000);
    expect(scans).toEqual([]);
    expect(page.field.value).toBe('13');
  });

  it('a timer firing late waits for the keys queued behind it, stamped in time', () => {
    page.at(0);
    page.key('2', 0);
    // The thread is busy past the timer's deadline (31); the rest of the burst, stamped 4 ms a
    // key, is queued and reaches the page after the overdue timer has run.
    page.busyUntil(90);
    expect(page.field.value).toBe('');
    [...CODE.slice(1), 'Enter'].forEach((k, i) => {
      page.at(90 + (i + 1) * 0.5);
      page.key(k, (i + 1) * 4);
    });
    page.at(1000);
    expect(scans).toEqual([`${CODE}|Enter`]);
    expect(page.field.value).toBe('');
  });

  it("a late timer judges when a timer comes on time: a person's key is not held for long", () => {
    page.at(0);
    page.key('5', 0);
    page.busyUntil(60);
    expect(page.field.value).toBe('');
    page.at(60 + GRACE_MS);
    expect(page.field.value).toBe('5');
  });

  it("on a till busy throughout, a person's key is typed stallMs after its deadline at the latest", () => {
    page.at(0);
    page.key('5', 0);
    // Every timer fires late; the adapter gives up waiting 100 ms (stallMs) after the deadline (31).
    for (let t = 31 + LATE_MS + 1; page.next() !== null && t < 1000; t += GRACE_MS + LATE_MS + 1) page.busyUntil(t);
    expect(page.field.value).toBe('5');
    expect(page.now).toBeGreaterThanOrEqual(131);
    expect(page.now).toBeLessThan(131 + GRACE_MS + LATE_MS + 1);
  });

  it('keys delivered after the timer judged the head on time: the typed head is taken back out of the field', () => {
    // "20" on time and handed back at 35; "000", stamped in time, reaches the page at 60 and is
    // handed back at 91; the rest at 150: the field had "20000", and the scan takes it back.
    page.at(0);
    page.key('2', 0);
    page.at(4);
    page.key('0', 4);
    page.at(60);
    expect(page.field.value).toBe('20');
    [8, 12, 16].forEach((t, i) => {
      page.at(60 + i * 0.5);
      page.key('0', t);
    });
    page.at(150);
    expect(page.field.value).toBe('20000');
    [...CODE.slice(5), 'Enter'].forEach((k, i) => {
      page.at(150 + i * 0.5);
      page.key(k, 20 + i * 4);
    });
    page.at(1000);
    expect(scans).toEqual([`${CODE}|Enter`]);
    expect(page.field.value).toBe('');
  });
});
