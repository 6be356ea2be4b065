/** Small building blocks: labelled fields with their error, dialogs, the PIN keypad, badges. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { isMessageKey, type MessageKey, type Params } from '../i18n/index.js';
import { ApiError } from '../lib/api.js';
import { checkPin, checkStaffId, type Check } from '../lib/validate.js';
import { useApp, type T } from './context.js';

export interface FieldError {
  key: MessageKey;
  params?: Params;
  /** text from the server, shown when no translation fits */
  text?: string;
}

export function fieldError<V>(c: Check<V>): FieldError | null {
  return c.ok ? null : { key: c.error, ...(c.params ? { params: c.params } : {}) };
}

/**
 * A staff number and PIN as sign-in and a supervisor's approval both take them: the fields, the
 * keypad's focus, their errors and the busy flag; `checked()` shows what is wrong and answers
 * the values only when both are valid.
 */
export function useStaffPin() {
  const [staffId, setStaffId] = useState('');
  const [pin, setPin] = useState('');
  const [focus, setFocus] = useState<'staffId' | 'pin'>('staffId');
  const [errors, setErrors] = useState<{ staffId: FieldError | null; pin: FieldError | null }>({
    staffId: null,
    pin: null,
  });
  const [busy, setBusy] = useState(false);
  const checked = (): { staffId: string; pin: string } | null => {
    const id = checkStaffId(staffId);
    const p = checkPin(pin);
    setErrors({ staffId: fieldError(id), pin: fieldError(p) });
    return id.ok && p.ok ? { staffId: id.value, pin: p.value } : null;
  };
  return { staffId, setStaffId, pin, setPin, focus, setFocus, errors, setErrors, busy, setBusy, checked };
}

/** The message for a failed request, in the current language. */
export function errorText(t: T, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'network') return t('error.network');
    const key = `error.${e.code}`;
    if (isMessageKey(key)) return t(key, { message: e.message });
    return t('error.generic', { message: e.message });
  }
  return t('error.generic', { message: e instanceof Error ? e.message : String(e) });
}

export function Field(props: {
  label: string;
  error: FieldError | string | null;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  hint?: string;
  name?: string;
}) {
  const { t } = useApp();
  const id = useId();
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const message =
    props.error === null
      ? null
      : typeof props.error === 'string'
        ? props.error
        : (props.error.text ?? t(props.error.key, props.error.params));
  const describedBy = [message ? errId : null, props.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${message ? ' field-invalid' : ''}`} data-field={props.name}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy, invalid: message !== null })}
      {props.hint ? (
        <p className="field-hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {message ? (
        <p className="field-error" id={errId} role="alert" data-testid={props.name ? `error-${props.name}` : undefined}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

/** Same as Field but for a plain text input, the common case. */
export function TextField(props: {
  name: string;
  label: string;
  value: string;
  onChange(v: string): void;
  error: FieldError | string | null;
  hint?: string;
  inputMode?: 'text' | 'numeric' | 'decimal' | 'tel';
  type?: 'text' | 'password';
  autoFocus?: boolean;
  autoComplete?: string;
  placeholder?: string;
  readOnly?: boolean;
}) {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} name={props.name}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          inputMode={props.inputMode ?? 'text'}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          autoFocus={props.autoFocus}
          autoComplete={props.autoComplete ?? 'off'}
          placeholder={props.placeholder}
          readOnly={props.readOnly}
          spellCheck={false}
        />
      )}
    </Field>
  );
}

/** Open dialogs, innermost last: Escape closes the innermost one wherever the focus is. */
const openDialogs: { close(): void }[] = [];

export function Dialog(props: {
  title: string;
  onClose(): void;
  children: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  const { t } = useApp();
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const closeRef = useRef(props.onClose);
  closeRef.current = props.onClose;
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, button:not(.dialog-close), select, textarea');
    (first ?? ref.current)?.focus();
    const me = { close: () => closeRef.current() };
    openDialogs.push(me);
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || openDialogs[openDialogs.length - 1] !== me) return;
      e.preventDefault();
      me.close();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      openDialogs.splice(openDialogs.indexOf(me), 1);
      prev?.focus?.();
    };
  }, []);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        className={`dialog${props.wide ? ' dialog-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        ref={ref}
        tabIndex={-1}
        data-testid={props.testId}
      >
        <header className="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" className="dialog-close" onClick={props.onClose} aria-label={t('app.close')}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

/** An on-screen digit pad for touchscreens; the keyboard works as well. */
export function Keypad(props: {
  onDigit(d: string): void;
  onBackspace(): void;
  onClear(): void;
  clearLabel: string;
  backspaceLabel: string;
}) {
  return (
    <div className="keypad">
      {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
        <button type="button" key={d} tabIndex={-1} onClick={() => props.onDigit(d)}>
          {d}
        </button>
      ))}
      <button type="button" tabIndex={-1} onClick={props.onClear}>
        {props.clearLabel}
      </button>
      <button type="button" tabIndex={-1} onClick={() => props.onDigit('0')}>
        0
      </button>
      <button type="button" tabIndex={-1} onClick={props.onBackspace} aria-label={props.backspaceLabel}>
        ⌫
      </button>
    </div>
  );
}

export function Badge(props: { kind: string; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${props.kind}`} data-testid={props.testId}>
      {props.children}
    </span>
  );
}

export function Banner(props: { kind: 'error' | 'ok' | 'info' | 'warn'; children: ReactNode; testId?: string }) {
  return (
    <div
      className={`banner banner-${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
      data-testid={props.testId}
    >
      {props.children}
    </div>
  );
}
