/**
 * The wedge detector against recorded key timings (ms since the first key), as a keyboard
 * wedge reader and people at a till produce them.
 */
import { describe, expect, it } from 'vitest';
import { WedgeDetector, type Verdict, type WedgeKey } from './detector.js';

/** A key, its timestamp, and `at` in `extra` when it reached the page later (a busy machine). */
type Rec = [key: string, t: number, extra?: Partial<WedgeKey>];

/** Keys at a fixed pace from `start`. */
function burst(text: string, start: number, every: number, terminator?: string): Rec[] {
  const keys: Rec[] = [...text].map((k, i) => [k, start + i * every]);
  if (terminator) keys.push([terminator, start + text.length * every]);
  return keys;
}

/**
 * Plays a recording the way the DOM adapter does (a timer calls flush at the detector's
 * deadline, on the page's clock: before a key that reaches the page later) and reports what happened: scans, text that reached the focused field, and keys
 * let through.
 */
function play(
  recording: readonly Rec[],
  d = new WedgeDetector(),
): { scans: string[]; typed: string; passed: string[] } {
  const scans: string[] = [];
  let typed = '';
  const passed: string[] = [];
  const apply = (vs: Verdict[], current?: string): void => {
    for (const v of vs) {
      if (v.kind === 'scan') {
        scans.push(`${v.code}|${v.terminator}`);
        // Characters handed back just before belonged to the scan: the adapter takes them back.
        typed = typed.slice(0, typed.length - v.retract);
      } else if (v.kind === 'type') typed += v.keys.join('');
      else if (v.kind === 'pass' && current !== undefined) {
        passed.push(current);
        if ([...current].length === 1) typed += current;
      }
    }
  };
  for (const [key, t, extra] of recording) {
    const due = d.nextDeadline();
    if (due !== null && due <= (extra?.at ?? t)) apply(d.flush(due));
    const vs = d.key({ key, t, ...extra });
    const last = vs[vs.length - 1];
    expect(last?.kind === 'hold' || last?.kind === 'pass').toBe(true);
    apply(vs, key);
  }
  const due = d.nextDeadline();
  if (due !== null) apply(d.flush(due));
  return { scans, typed, passed };
}

describe('fast bursts', () => {
  it('a barcode scanner with Enter (4 ms a key): one scan, nothing typed, Enter swallowed', () => {
    const r = play(burst('2183490000014', 0, 4, 'Enter'));
    expect(r).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: [] });
  });

  it('an NFC reader typing a hex UID with Tab (9 ms a key)', () => {
    const r = play(burst('04A22B1C5D8000', 1000, 9, 'Tab'));
    expect(r).toEqual({ scans: ['04A22B1C5D8000|Tab'], typed: '', passed: [] });
  });

  it('a 2D scanner typing a member QR with Shift for capitals', () => {
    const keys: Rec[] = [];
    let t = 0;
    for (const ch of 'LM1.2183490000014.1732350000.Zq9') {
      if (ch >= 'A' && ch <= 'Z') keys.push(['Shift', t]);
      keys.push([ch, t + 1]);
      t += 3;
    }
    keys.push(['Enter', t]);
    expect(play(keys).scans).toEqual(['LM1.2183490000014.1732350000.Zq9|Enter']);
  });

  it('uneven timing within the gap still counts as one burst (jitter up to 30 ms)', () => {
    const times = [0, 12, 19, 45, 52, 80, 88, 95, 120, 126, 150, 170, 199];
    const keys: Rec[] = [...'6901234567892'].map((k, i) => [k, times[i] ?? 0]);
    keys.push(['Enter', 205]);
    expect(play(keys).scans).toEqual(['6901234567892|Enter']);
  });

  it('two scans back to back are two codes', () => {
    const r = play([...burst('2183490000014', 0, 4, 'Enter'), ...burst('2183490000021', 300, 4, 'Enter')]);
    expect(r.scans).toEqual(['2183490000014|Enter', '2183490000021|Enter']);
  });
});

describe('scanners without a terminator', () => {
  it('ends the burst after the gap passes with no key', () => {
    const r = play(burst('2183490000014', 0, 5));
    expect(r).toEqual({ scans: ['2183490000014|none'], typed: '', passed: [] });
  });

  it('takes a slow terminator (45 ms after the last key) as the terminator', () => {
    const keys = burst('2183490000014', 0, 5);
    keys.push(['Enter', 60 + 45]);
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: [] });
  });

  it('swallows a terminator that comes after the burst was judged, so it cannot submit a form', () => {
    const keys = burst('2183490000014', 0, 5);
    keys.push(['Enter', 60 + 150]);
    const r = play(keys, new WedgeDetector({ lateTerminatorMs: 120 }));
    expect(r).toEqual({ scans: ['2183490000014|none'], typed: '', passed: [] });
  });

  it("lets a person's Enter through well after such a burst", () => {
    const keys = burst('2183490000014', 0, 5);
    keys.push(['Enter', 60 + 400]);
    expect(play(keys)).toEqual({ scans: ['2183490000014|none'], typed: '', passed: ['Enter'] });
  });

  it('a following human key starts fresh', () => {
    const keys = burst('2183490000014', 0, 5);
    keys.push(['1', 600], ['3', 780]);
    expect(play(keys)).toEqual({ scans: ['2183490000014|none'], typed: '13', passed: [] });
  });
});

describe('people typing', () => {
  it('slow typing of a phone number (120-250 ms a key) reaches the field in order', () => {
    const gaps = [0, 180, 150, 240, 130, 200, 170, 220, 160, 190, 140];
    let t = 0;
    const keys: Rec[] = [...'13812345678'].map((k, i) => [k, (t += gaps[i] ?? 0)]);
    keys.push(['Enter', t + 300]);
    expect(play(keys)).toEqual({ scans: [], typed: '13812345678', passed: ['Enter'] });
  });

  it('a fast typist (60-90 ms) is still a person', () => {
    const keys = burst('zhang san', 0, 70, 'Enter');
    expect(play(keys)).toEqual({ scans: [], typed: 'zhang san', passed: [' ', 'Enter'] });
  });

  it('a rolled pair of keys 15 ms apart is a person (too short for a code)', () => {
    const keys: Rec[] = [
      ['1', 0],
      ['3', 15],
      ['8', 200],
      ['Enter', 210],
    ];
    expect(play(keys)).toEqual({ scans: [], typed: '138', passed: ['Enter'] });
  });

  it('five fast characters are too short for a code', () => {
    expect(play(burst('12345', 0, 4, 'Enter'))).toEqual({ scans: [], typed: '12345', passed: ['Enter'] });
  });

  it('the space bar is never held (it presses buttons)', () => {
    expect(play([[' ', 0]])).toEqual({ scans: [], typed: ' ', passed: [' '] });
  });

  it('auto-repeat and Ctrl chords are a person', () => {
    const keys: Rec[] = [
      ['a', 0, { ctrl: true }],
      ['1', 500, { repeat: true }],
      ['1', 533, { repeat: true }],
      ['1', 566, { repeat: true }],
      ['1', 599, { repeat: true }],
      ['1', 632, { repeat: true }],
      ['1', 665, { repeat: true }],
    ];
    expect(play(keys)).toEqual({ scans: [], typed: 'a111111', passed: ['a', '1', '1', '1', '1', '1', '1'] });
  });

  it('IME composition keys pass untouched', () => {
    const keys: Rec[] = [
      ['Process', 0, { composing: true }],
      ['Process', 10, { composing: true }],
      ['Process', 20, { composing: true }],
    ];
    expect(play(keys).passed).toEqual(['Process', 'Process', 'Process']);
  });
});

describe('a burst interrupted by a person', () => {
  it('an arrow key pressed mid-burst passes at once and the code stays whole', () => {
    const keys = burst('2183490000014', 0, 4, 'Enter');
    keys.splice(6, 0, ['ArrowDown', 22]);
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: ['ArrowDown'] });
  });

  it('Escape pressed mid-burst closes what it closes; the scan still arrives', () => {
    const keys = burst('04A22B1C5D8000', 0, 6, 'Enter');
    keys.splice(3, 0, ['Escape', 14]);
    expect(play(keys)).toEqual({ scans: ['04A22B1C5D8000|Enter'], typed: '', passed: ['Escape'] });
  });

  it('a burst stalled for 80 ms after 7 keys (a busy machine) is still one code', () => {
    const keys = [...burst('2183490', 0, 4), ...burst('000014', 104, 4, 'Enter')];
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: [] });
  });

  it('a burst stalled after 2 keys: the head handed back as typing is taken back into the scan', () => {
    const keys = [...burst('21', 0, 7), ...burst('83490000014', 7 + 55, 7, 'Enter')];
    const d = new WedgeDetector();
    const vs: string[] = [];
    for (const [key, t] of keys) {
      const due = d.nextDeadline();
      if (due !== null && due <= t) for (const v of d.flush(due)) vs.push(v.kind);
      for (const v of d.key({ key, t }))
        if (v.kind === 'scan' || v.kind === 'type') vs.push(`${v.kind}${v.kind === 'scan' ? v.retract : ''}`);
    }
    expect(vs).toEqual(['type', 'scan2']);
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: [] });
  });

  it('a stall longer than the tolerance splits the burst', () => {
    const keys = [...burst('2183490', 0, 4), ...burst('000014', 24 + 150, 4, 'Enter')];
    expect(play(keys).scans).toEqual(['2183490|none', '000014|Enter']);
  });

  it("a person's key just before a burst stays the person's", () => {
    const keys: Rec[] = [['5', 0], ...burst('2183490000014', 200, 4, 'Enter')];
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '5', passed: [] });
  });

  it("a person's key just after a burst is the person's", () => {
    const keys: Rec[] = [...burst('2183490000014', 0, 4, 'Enter'), ['9', 150]];
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '9', passed: [] });
  });

  it('a printable key inside the burst cannot be told apart: it becomes part of the (misread) code', () => {
    const keys = burst('2183490000014', 0, 6, 'Enter');
    keys.splice(5, 0, ['x', 27]);
    keys.sort((a, b) => a[1] - b[1]);
    const r = play(keys);
    expect(r.scans).toHaveLength(1);
    expect(r.scans[0]).toMatch(/x/);
    expect(r.typed).toBe('');
  });
});

describe('options', () => {
  it('honours a slower scanner setting', () => {
    const d = new WedgeDetector({ maxGapMs: 60, minLength: 8 });
    expect(play(burst('2183490000014', 0, 45, 'Enter'), d).scans).toEqual(['2183490000014|Enter']);
    expect(play(burst('1234567', 0, 10, 'Enter'), new WedgeDetector({ minLength: 8 })).typed).toBe('1234567');
  });
});

/** Keys stamped at `text`'s pace from `start`, reaching the page from `at` on, 0.5 ms apart. */
function late(text: string, start: number, every: number, at: number, terminator?: string): Rec[] {
  return burst(text, start, every, terminator).map(([k, t], i) => [k, t, { at: at + i * 0.5 }]);
}

describe('a busy machine delivering keys late', () => {
  it('the timer counts from when the last key reached the page, not from its timestamp', () => {
    const d = new WedgeDetector();
    expect(d.key({ key: '2', t: 0, at: 60 })).toEqual([{ kind: 'hold' }]);
    expect(d.nextDeadline()).toBe(91);
    // 45 ms after its timestamp, but only just delivered: keys stamped after it may still come.
    expect(d.flush(45)).toEqual([]);
    expect(d.key({ key: '0', t: 4, at: 80 })).toEqual([{ kind: 'hold' }]);
    expect(d.flush(111)).toEqual([{ kind: 'type', keys: ['2', '0'] }]);
  });

  it('a burst delivered in one batch 130 ms after its timestamps is one scan', () => {
    expect(play(late('2183490000014', 0, 4, 130, 'Enter'))).toEqual({
      scans: ['2183490000014|Enter'],
      typed: '',
      passed: [],
    });
  });

  it('keys stamped in time but delivered after the timer judged the head: the head is taken back into the scan', () => {
    // "2" comes at once; the timer hands it back at 31; the rest, stamped 4 ms a key, arrives at 130.
    const keys: Rec[] = [['2', 0], ...late('183490000014', 4, 4, 130, 'Enter')];
    const d = new WedgeDetector();
    const vs: string[] = [];
    for (const [key, t, extra] of keys) {
      const due = d.nextDeadline();
      if (due !== null && due <= (extra?.at ?? t)) for (const v of d.flush(due)) vs.push(v.kind);
      for (const v of d.key({ key, t, ...extra }))
        if (v.kind === 'scan' || v.kind === 'type') vs.push(`${v.kind}${v.kind === 'scan' ? v.retract : ''}`);
    }
    expect(vs).toEqual(['type', 'scan1']);
    expect(play(keys)).toEqual({ scans: ['2183490000014|Enter'], typed: '', passed: [] });
  });

  it('a short code split so that neither part reaches minLength is still one scan (an 8-digit hex UID, 3 + 5)', () => {
    const keys: Rec[] = [...burst('04A', 0, 9), ...late('22B1C', 27, 9, 120, 'Enter')];
    expect(play(keys)).toEqual({ scans: ['04A22B1C|Enter'], typed: '', passed: [] });
    // Before: the tail alone was too short for a code, and both parts were typed.
  });

  it('a burst judged early twice is taken back whole', () => {
    // "20" on time, "000" 45 ms late, the rest 130 ms late: two hand-backs, then the scan.
    const keys: Rec[] = [...burst('20', 0, 4), ...late('000', 8, 4, 60), ...late('00000147', 20, 4, 150, 'Enter')];
    expect(play(keys)).toEqual({ scans: ['2000000000147|Enter'], typed: '', passed: [] });
  });

  it("a short burst continued late is still a person's: typed once, in order", () => {
    const keys: Rec[] = [...burst('ab', 0, 10), ['c', 20, { at: 70 }]];
    expect(play(keys)).toEqual({ scans: [], typed: 'abc', passed: [] });
  });

  it('keys a person ended with Enter are not continued by a key stamped just after', () => {
    const keys: Rec[] = [...burst('abcd', 0, 5, 'Enter'), ...late('ef', 25, 5, 100)];
    expect(play(keys)).toEqual({ scans: [], typed: 'abcdef', passed: ['Enter'] });
  });

  it("a key stamped more than maxGapMs after keys handed back is a person's, however late it arrives", () => {
    // Together six fast keys, a code's length; apart by 50 ms, as they were stamped, two short bursts.
    const keys: Rec[] = [...burst('abcd', 0, 10), ...late('ef', 80, 10, 200)];
    expect(play(keys)).toEqual({ scans: [], typed: 'abcdef', passed: [] });
  });
});
