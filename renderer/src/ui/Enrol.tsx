/**
 * Enrolment: explicit consent (privacy policy required, marketing optional, the text version
 * recorded), the mobile number checked as the till checks it, and a card linked by scanning
 * it while this screen is open. Typed details show in full here only (DOMAIN.md 2).
 */
import { useState, type FormEvent } from 'react';
import { ApiError, type MemberSummary } from '../lib/api.js';
import { points as fmtPoints } from '../lib/format.js';
import { checkBirthday, checkName, checkPhone } from '../lib/validate.js';
import { Banner, errorText, Field, fieldError, TextField, type FieldError } from './common.js';
import { useApp } from './context.js';

type Fields = 'name' | 'phone' | 'birthday' | 'consent' | 'cardCode';

/** What the enrolment starts from: a mobile number nobody holds, a card scanned or tapped. */
export interface EnrolPrefill {
  phone?: string;
  /** `source` as the reader said: an all-digit NFC UID enrols as a UID only when it is given */
  card?: { code: string; source?: 'barcode' | 'nfc' | 'qr' } | undefined;
}

export function Enrol(props: { prefill: EnrolPrefill; onClearCard(): void; onUseAtCheckout(m: MemberSummary): void }) {
  const { api, t, lang, programme } = useApp();
  const card = props.prefill.card;
  const [name, setName] = useState('');
  const [phone, setPhone] = useState(props.prefill.phone ?? '');
  const [birthday, setBirthday] = useState('');
  const [gender, setGender] = useState<'' | 'female' | 'male' | 'other'>('');
  const [channel, setChannel] = useState<'none' | 'sms' | 'email'>('none');
  const [privacy, setPrivacy] = useState(false);
  const [marketing, setMarketing] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Fields, FieldError | null>>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<(MemberSummary & { bonusPoints: number }) | null>(null);

  /** Editing a field clears its message: it was about the old value. */
  const edit =
    (field: Fields, set: (v: string) => void) =>
    (v: string): void => {
      set(v);
      setErrors((x) => ({ ...x, [field]: null }));
    };

  const reset = () => {
    setName('');
    setPhone('');
    setBirthday('');
    setGender('');
    setChannel('none');
    setPrivacy(false);
    setMarketing(false);
    setErrors({});
    setFailure(null);
    setDone(null);
    props.onClearCard();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    const n = checkName(name);
    const p = checkPhone(phone);
    const b = checkBirthday(birthday);
    const next: Partial<Record<Fields, FieldError | null>> = {
      name: fieldError(n),
      phone: fieldError(p),
      birthday: fieldError(b),
      consent: privacy ? null : { key: 'field.consent' },
    };
    setErrors(next);
    if (!n.ok || !p.ok || !b.ok || !privacy) return;
    setBusy(true);
    try {
      const m = await api.enrol({
        name: n.value,
        phone: p.value,
        ...(b.value ? { birthday: b.value } : {}),
        ...(gender ? { gender } : {}),
        preferredChannel: channel,
        consent: { marketing, text: programme.consentText },
        ...(card ? { cardCode: card.code, ...(card.source ? { cardSource: card.source } : {}) } : {}),
      });
      setDone(m);
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      const known: Record<string, Fields> = {
        phone: 'phone',
        name: 'name',
        birthday: 'birthday',
        cardCode: 'cardCode',
      };
      const f = field ? known[field] : undefined;
      if (f) setErrors((x) => ({ ...x, [f]: { key: 'error.generic', text: errorText(t, err) } }));
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <section className="panel enrol" data-testid="enrol-done">
        <h2>{t('enrol.title')}</h2>
        <Banner kind="ok">
          <strong data-testid="enrol-member-no">{t('enrol.done', { memberNo: done.memberNo })}</strong>
          {done.bonusPoints > 0 ? <div>{t('enrol.bonus', { points: fmtPoints(done.bonusPoints, lang) })}</div> : null}
        </Banner>
        <p>
          {done.name} · {done.phone}
        </p>
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() => props.onUseAtCheckout(done)}
            data-testid="enrol-to-checkout"
          >
            {t('enrol.toCheckout')}
          </button>
          <button type="button" onClick={reset}>
            {t('enrol.another')}
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="panel enrol">
      <h2>{t('enrol.title')}</h2>
      <p className="muted small">{t('enrol.typingNotice')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="enrol-form" className="grid-form">
        <TextField
          name="name"
          label={t('enrol.name')}
          value={name}
          onChange={edit('name', setName)}
          error={errors.name ?? null}
          autoFocus
        />
        <TextField
          name="phone"
          label={t('enrol.phone')}
          value={phone}
          onChange={edit('phone', setPhone)}
          error={errors.phone ?? null}
          inputMode="tel"
        />
        <TextField
          name="birthday"
          label={`${t('enrol.birthday')} · ${t('app.optional')}`}
          value={birthday}
          onChange={edit('birthday', setBirthday)}
          error={errors.birthday ?? null}
          inputMode="numeric"
        />
        <Field label={t('enrol.gender')} error={null} name="gender">
          {({ id }) => (
            <select id={id} value={gender} onChange={(e) => setGender(e.target.value as typeof gender)}>
              <option value="">{t('enrol.gender.none')}</option>
              <option value="female">{t('enrol.gender.female')}</option>
              <option value="male">{t('enrol.gender.male')}</option>
              <option value="other">{t('enrol.gender.other')}</option>
            </select>
          )}
        </Field>
        <Field label={t('enrol.channel')} error={null} name="channel">
          {({ id }) => (
            <select id={id} value={channel} onChange={(e) => setChannel(e.target.value as typeof channel)}>
              <option value="none">{t('enrol.channel.none')}</option>
              <option value="sms">{t('enrol.channel.sms')}</option>
              <option value="email">{t('enrol.channel.email')}</option>
            </select>
          )}
        </Field>
        <Field label={t('enrol.card')} error={errors.cardCode ?? null} hint={t('enrol.cardHint')} name="cardCode">
          {({ id, describedBy }) => (
            <div className="card-slot">
              <output id={id} aria-describedby={describedBy} data-testid="enrol-card">
                {card?.code || t('enrol.cardNone')}
              </output>
              {card ? (
                <button type="button" className="link" onClick={props.onClearCard}>
                  {t('app.clear')}
                </button>
              ) : null}
            </div>
          )}
        </Field>
        <div className={`field consent${errors.consent ? ' field-invalid' : ''}`}>
          <label className="check">
            <input
              type="checkbox"
              name="consentPrivacy"
              checked={privacy}
              onChange={(e) => {
                setPrivacy(e.target.checked);
                setErrors((x) => ({ ...x, consent: null }));
              }}
              aria-invalid={errors.consent ? true : false}
              aria-describedby={errors.consent ? 'consent-err' : undefined}
            />
            <span>{t('enrol.consentPrivacy', { version: programme.consentText })}</span>
          </label>
          {errors.consent ? (
            <p className="field-error" id="consent-err" role="alert" data-testid="error-consent">
              {t(errors.consent.key)}
            </p>
          ) : null}
          <label className="check">
            <input
              type="checkbox"
              name="consentMarketing"
              checked={marketing}
              onChange={(e) => setMarketing(e.target.checked)}
            />
            <span>{t('enrol.consentMarketing')}</span>
          </label>
        </div>
        {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
        <button type="submit" className="primary wide" disabled={busy} data-testid="enrol-submit">
          {busy ? t('enrol.submitting') : t('enrol.submit')}
        </button>
      </form>
    </section>
  );
}
