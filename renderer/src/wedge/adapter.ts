/**
 * The DOM side of the wedge detector: listens to keydown on the window in the capture phase
 * (before any field or handler sees the key), swallows keys the detector holds, hands scans
 * to `onScan` wherever the focus is, and replays a person's held keys into the field that
 * had the focus when they were typed.
 *
 * A busy till (a heavy render, other programs on few cores) delivers keys late and runs timers
 * late. The detector works on the keys' timestamps (when the browser received them), and the
 * timer that ends a burst must not cut off keys that are stamped in time but still queued: it
 * counts from when the last key reached the page (the detector's `nextDeadline`), and when it
 * fires late it does not judge at once. Keys already queued on the page's thread go before an
 * overdue timer, but one can run before keys still on their way to it (measured in Chromium:
 * a 0 ms timer ran between two keys of one burst that arrived 2 ms apart, 130 ms after their
 * timestamps), so a late timer waits for one that comes on time (`LATE_MS`), giving queued
 * keys their turn, for up to the detector's `stallMs`.
 */
import { WedgeDetector, type Terminator, type Verdict, type WedgeOptions } from './detector.js';

export interface ScanInfo {
  terminator: Terminator;
  durationMs: number;
  /** performance.now() when the scan was recognised */
  at: number;
}

export interface WedgeAdapter {
  stop(): void;
  /** new timing settings (settings screen) */
  configure(options: Partial<WedgeOptions>): void;
}

type Editable = HTMLInputElement | HTMLTextAreaElement;

/** A timer this much later than planned means the page or the machine was busy. */
export const LATE_MS = 10;
/** How long a late timer waits again before judging, so keys queued behind it come first. */
export const GRACE_MS = 10;

function editable(el: Element | null): Editable | null {
  if (!el) return null;
  if (el instanceof HTMLTextAreaElement && !el.readOnly && !el.disabled) return el;
  if (
    el instanceof HTMLInputElement &&
    !el.readOnly &&
    !el.disabled &&
    ['text', 'search', 'tel', 'password', 'email', 'url', 'number', ''].includes(el.type)
  ) {
    return el;
  }
  if (el instanceof HTMLElement && el.isContentEditable) return el as unknown as Editable;
  return null;
}

/** Inserts text at the caret as typing would (input events fire, so React sees the change). */
export function insertText(target: Editable, text: string): void {
  if (document.activeElement !== target) target.focus();
  if (document.execCommand('insertText', false, text)) return;
  // Fallback: set the value through the native setter and announce it.
  const proto = target instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  const start = target.selectionStart ?? target.value.length;
  const end = target.selectionEnd ?? target.value.length;
  const next = target.value.slice(0, start) + text + target.value.slice(end);
  setter?.call(target, next);
  target.setSelectionRange?.(start + text.length, start + text.length);
  target.dispatchEvent(new InputEvent('input', { bubbles: true, data: text, inputType: 'insertText' }));
}

/**
 * Takes back `text` just typed into `target` (the head of a stalled burst handed back as a
 * person's keys), if it is still right before the caret.
 */
export function retractText(target: Editable, text: string): boolean {
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) || !target.isConnected)
    return false;
  const end = target.selectionStart ?? target.value.length;
  if (end < text.length || target.value.slice(end - text.length, end) !== text) return false;
  if (document.activeElement !== target) target.focus();
  target.setSelectionRange(end - text.length, end);
  if (!document.execCommand('delete')) {
    const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(target) as object, 'value')?.set;
    setter?.call(target, target.value.slice(0, end - text.length) + target.value.slice(end));
    target.setSelectionRange(end - text.length, end - text.length);
    target.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'deleteContentBackward' }));
  }
  return true;
}

export function startWedge(
  onScan: (code: string, info: ScanInfo) => void,
  options: Partial<WedgeOptions> = {},
  win: Window = window,
): WedgeAdapter {
  let detector = new WedgeDetector(options);
  let timer: number | null = null;
  const now = (): number => win.performance.now();
  /** where a person's held keys go: the field focused when the first of them was pressed */
  let target: Editable | null = null;
  /** what the last replay typed, in case it turns out to be the head of a stalled burst */
  let lastTyped: { into: Editable; text: string } | null = null;

  const apply = (verdicts: readonly Verdict[]): void => {
    for (const v of verdicts) {
      if (v.kind === 'scan') {
        target = null;
        if (v.retract > 0 && lastTyped) retractText(lastTyped.into, lastTyped.text.slice(-v.retract));
        lastTyped = null;
        onScan(v.code, { terminator: v.terminator, durationMs: v.durationMs, at: now() });
      } else if (v.kind === 'type') {
        const into = target && target.isConnected ? target : editable(win.document.activeElement);
        target = null;
        const text = v.keys.join('');
        if (into) insertText(into, text);
        // A scan may take back more than this replay (its head was handed back in parts).
        const before = lastTyped && lastTyped.into === into ? lastTyped.text : '';
        lastTyped = into ? { into, text: (before + text).slice(-detector.options.maxLength) } : null;
      }
    }
  };

  /** A timer for `planned`, to judge the held burst, whose deadline was `due`. */
  const schedule = (planned: number, due: number): void => {
    timer = win.setTimeout(
      () => {
        timer = null;
        const firedAt = now();
        // Late: keys stamped in time may be queued behind this timer. Let them come first.
        if (firedAt - planned > LATE_MS && firedAt - due < detector.options.stallMs) {
          schedule(firedAt + GRACE_MS, due);
          return;
        }
        apply(detector.flush(firedAt));
        arm();
      },
      Math.max(0, planned - now()),
    );
  };

  const arm = (): void => {
    if (timer !== null) win.clearTimeout(timer);
    timer = null;
    const due = detector.nextDeadline();
    if (due !== null) schedule(due, due);
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    const wasHolding = detector.holding;
    const at = now();
    const verdicts = detector.key({
      key: e.key,
      // When the browser received the key, not when this handler ran: a busy page delays
      // handlers, which must not split a scanner's burst.
      t: e.timeStamp > 0 ? e.timeStamp : at,
      at,
      repeat: e.repeat,
      composing: e.isComposing,
      ctrl: e.ctrlKey,
      alt: e.altKey,
      meta: e.metaKey,
    });
    const own = verdicts[verdicts.length - 1];
    const earlier = verdicts.slice(0, -1);
    if (own?.kind === 'hold') {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
    const startsBurst = own?.kind === 'hold' && detector.holding && (!wasHolding || earlier.length > 0);
    // Earlier keys' fate first (a person's keys are replayed before this key acts) ...
    apply(earlier);
    // ... and the first key of a new burst names the field a person's keys belong to.
    if (startsBurst) target = editable(win.document.activeElement);
    arm();
  };

  win.addEventListener('keydown', onKeyDown, { capture: true });
  return {
    stop() {
      win.removeEventListener('keydown', onKeyDown, { capture: true });
      if (timer !== null) win.clearTimeout(timer);
      timer = null;
      detector.reset();
    },
    configure(next) {
      detector = new WedgeDetector({ ...detector.options, ...next });
    },
  };
}
