/** Settings: language, this till, the keyboard-wedge timing (with a scan test), devices, and the POS key (admin only). */
import { useState } from 'react';
import { LANGS, translate } from '../i18n/index.js';
import type { WedgeOptions } from '../wedge/detector.js';
import { ApiError, type HealthResponse, type PosKeyView } from '../lib/api.js';
import { Banner, errorText, Field, TextField, type FieldError } from './common.js';
import { useApp } from './context.js';
import { deviceNames, deviceState, type DeviceState } from './names.js';

export interface LastScan {
  code: string;
  durationMs: number;
  terminator: string;
}

export function Settings(props: {
  health: HealthResponse | null;
  devices: DeviceState[];
  wedge: Pick<WedgeOptions, 'maxGapMs' | 'minLength'>;
  onWedge(o: Pick<WedgeOptions, 'maxGapMs' | 'minLength'>): void;
  lastScan: LastScan | null;
}) {
  const { api, t, lang, setLang, staff, programme } = useApp();
  const [gap, setGap] = useState(String(props.wedge.maxGapMs));
  const [len, setLen] = useState(String(props.wedge.minLength));
  const [errs, setErrs] = useState<{ gap: FieldError | null; len: FieldError | null }>({ gap: null, len: null });
  const [saved, setSaved] = useState(false);
  const [key, setKey] = useState<PosKeyView | null>(null);
  const [keyNote, setKeyNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [readers, setReaders] = useState<{ text: string; fromEnvironment: boolean } | null>(null);
  const [readersError, setReadersError] = useState<string | null>(null);
  const [readersSaved, setReadersSaved] = useState(false);

  const loadReaders = async () => {
    setReadersError(null);
    try {
      const r = await api.deviceSettings();
      setReaders({ text: r.scanners.split(',').join('\n'), fromEnvironment: r.fromEnvironment });
    } catch (e) {
      setReadersError(errorText(t, e));
    }
  };

  const saveReaders = async () => {
    if (!readers) return;
    setReadersError(null);
    setReadersSaved(false);
    try {
      const r = await api.saveDeviceSettings(readers.text);
      setReaders({ text: r.scanners.split(',').join('\n'), fromEnvironment: r.fromEnvironment });
      setReadersSaved(true);
    } catch (e) {
      // The parser's message names the entry at fault: show it as is, next to the field.
      setReadersError(e instanceof ApiError && e.field === 'scanners' ? e.message : errorText(t, e));
    }
  };

  const saveWedge = () => {
    const g = Number(gap);
    const l = Number(len);
    const gapOk = Number.isInteger(g) && g >= 5 && g <= 200;
    const lenOk = Number.isInteger(l) && l >= 3 && l <= 64;
    setErrs({
      gap: gapOk ? null : { key: 'error.generic', text: '5 – 200' },
      len: lenOk ? null : { key: 'error.generic', text: '3 – 64' },
    });
    if (!gapOk || !lenOk) return;
    props.onWedge({ maxGapMs: g, minLength: l });
    setSaved(true);
  };

  const showKey = async () => {
    setFailure(null);
    if (key) {
      // Hiding forgets a new key shown after a rotation too: it is never shown again.
      setKey(null);
      setKeyNote(null);
      return;
    }
    try {
      setKey(await api.posKey());
    } catch (e) {
      setFailure(e);
    }
  };

  const rotate = async () => {
    setFailure(null);
    if (!window.confirm(t('settings.posKeyConfirm'))) return;
    try {
      setKey(await api.rotatePosKey());
      setKeyNote(t('settings.posKeyRotated'));
    } catch (e) {
      setFailure(e);
    }
  };

  const h = props.health;
  const names = deviceNames(t, props.devices);
  return (
    <div className="settings">
      <section className="panel">
        <h2>{t('settings.language')}</h2>
        <div className="actions">
          {LANGS.map((l) => (
            <button
              type="button"
              key={l}
              className={l === lang ? 'primary' : ''}
              aria-pressed={l === lang}
              onClick={() => setLang(l)}
              data-testid={`settings-lang-${l}`}
            >
              {translate(l, 'app.langName')}
            </button>
          ))}
        </div>
      </section>
      <section className="panel">
        <h2>{t('settings.till')}</h2>
        <dl className="facts">
          <dt>{t('settings.tillId')}</dt>
          <dd>{programme.tillId}</dd>
          {h?.storeName ? (
            <>
              <dt>{t('settings.storeName')}</dt>
              <dd>{lang === 'zh-CN' ? h.storeName.zh : h.storeName.en}</dd>
            </>
          ) : null}
          <dt>{t('settings.storeId')}</dt>
          <dd>
            <code>{programme.storeId}</code>
          </dd>
          <dt>{t('settings.version')}</dt>
          <dd>{h?.version ?? '…'}</dd>
          <dt>{t('settings.ruleVersion')}</dt>
          <dd>{programme.ruleVersion}</dd>
          <dt>{t('settings.timeZone')}</dt>
          <dd>
            <code>{programme.timeZone}</code>
          </dd>
        </dl>
      </section>
      <section className="panel">
        <h2>{t('settings.scanner')}</h2>
        <p className="muted small">{t('settings.scannerHint')}</p>
        <div className="grid-form">
          <TextField
            name="maxGap"
            label={t('settings.maxGap')}
            value={gap}
            onChange={(v) => {
              setGap(v);
              setSaved(false);
            }}
            error={errs.gap}
            inputMode="numeric"
          />
          <TextField
            name="minLength"
            label={t('settings.minLength')}
            value={len}
            onChange={(v) => {
              setLen(v);
              setSaved(false);
            }}
            error={errs.len}
            inputMode="numeric"
          />
        </div>
        <div className="actions">
          <button type="button" className="primary" onClick={saveWedge}>
            {t('settings.save')}
          </button>
          {saved ? <span className="ok">{t('settings.saved')}</span> : null}
        </div>
        <h3>{t('settings.test')}</h3>
        <p data-testid="settings-last-scan">
          {props.lastScan
            ? t('settings.lastScan', {
                code: props.lastScan.code,
                ms: Math.round(props.lastScan.durationMs),
                terminator: props.lastScan.terminator,
              })
            : t('settings.noScan')}
        </p>
      </section>
      <section className="panel">
        <h2>{t('settings.devices')}</h2>
        {props.devices.length === 0 ? (
          <p className="muted">{t('settings.noDevices')}</p>
        ) : (
          <ul data-testid="settings-devices">
            {props.devices.map((d) => (
              // By name and state for everyone; the id is the technical detail IT asks for.
              <li key={d.device}>
                {names.get(d.device)}: {deviceState(t, d.state)} <code className="muted small">{d.device}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel" data-testid="settings-readers">
        <h2>{t('settings.readers')}</h2>
        {staff.role !== 'admin' ? (
          <p className="muted">{t('settings.adminOnly')}</p>
        ) : readers === null ? (
          <>
            {readersError ? <Banner kind="error">{readersError}</Banner> : null}
            <div className="actions">
              <button type="button" onClick={() => void loadReaders()} data-testid="readers-edit">
                {t('settings.readersLoad')}
              </button>
            </div>
          </>
        ) : (
          <>
            <Field
              label={t('settings.readersLabel')}
              error={readersError}
              hint={readers.fromEnvironment ? t('settings.readersFromEnv') : t('settings.readersHelp')}
              name="scanners"
            >
              {({ id, describedBy, invalid }) => (
                <textarea
                  id={id}
                  name="scanners"
                  rows={4}
                  value={readers.text}
                  onChange={(e) => {
                    setReaders({ ...readers, text: e.target.value });
                    setReadersSaved(false);
                  }}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  readOnly={readers.fromEnvironment}
                  spellCheck={false}
                  data-testid="readers-spec"
                />
              )}
            </Field>
            <div className="actions">
              <button
                type="button"
                className="primary"
                onClick={() => void saveReaders()}
                disabled={readers.fromEnvironment}
                data-testid="readers-save"
              >
                {t('settings.save')}
              </button>
              {readersSaved ? <span className="ok">{t('settings.readersSaved')}</span> : null}
            </div>
          </>
        )}
      </section>
      <section className="panel" data-testid="settings-pos-key">
        <h2>{t('settings.posKey')}</h2>
        {staff.role !== 'admin' ? (
          <p className="muted">{t('settings.adminOnly')}</p>
        ) : (
          <>
            {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
            {keyNote ? <Banner kind="ok">{keyNote}</Banner> : null}
            {key ? (
              <>
                {key.key ? (
                  <p>
                    <code className="secret" data-testid="pos-key">
                      {key.key}
                    </code>
                  </p>
                ) : null}
                <p>
                  {t('settings.posKeyFingerprint')} <code data-testid="pos-key-fingerprint">{key.fingerprint}</code>
                </p>
                <p className="muted small">
                  {key.fromEnvironment ? t('settings.posKeyFromEnv') : t('settings.posKeyFile', { file: key.file })}
                </p>
              </>
            ) : null}
            <div className="actions">
              <button type="button" onClick={() => void showKey()} data-testid="pos-key-show">
                {key ? t('settings.posKeyHide') : t('settings.posKeyShow')}
              </button>
              <button type="button" onClick={() => void rotate()} disabled={key?.fromEnvironment === true}>
                {t('settings.posKeyRotate')}
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
