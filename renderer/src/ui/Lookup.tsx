/**
 * Member lookup: find a member, see their cards, block a lost card, unblock (supervisor), link a
 * new card, change their marketing consent, channel and interests.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, type Card, type MemberSummary } from '../lib/api.js';
import { points as fmtPoints } from '../lib/format.js';
import { classifyLookup } from '../lib/validate.js';
import { Badge, Banner, errorText, fieldError, TextField, type FieldError } from './common.js';
import { useApp } from './context.js';
import type { IdentifyRequest } from './Checkout.js';
import type { EnrolPrefill } from './Enrol.js';
import { MemberPreferencesPanel } from './Preferences.js';

export function Lookup(props: {
  /** a scan routed here while this screen is open */
  scanned: { code: string; source?: 'barcode' | 'nfc' | 'qr'; n: number } | null;
  onUseAtCheckout(m: MemberSummary): void;
  /** "not found": enrol the mobile number or card that was looked up */
  onEnrol(prefill: EnrolPrefill): void;
}) {
  const { api, t, lang, staff, requestApproval, identify } = useApp();
  const [query, setQuery] = useState('');
  const [error, setError] = useState<FieldError | null>(null);
  const [member, setMember] = useState<MemberSummary | null>(null);
  const [cards, setCards] = useState<Card[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [linking, setLinking] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [tried, setTried] = useState<IdentifyRequest | null>(null);

  // Only the latest lookup's answers are shown: a slower earlier one must not put one member's
  // cards (which block and unblock act on) under another member's name.
  const loadSeq = useRef(0);
  const load = async (req: IdentifyRequest) => {
    const mine = ++loadSeq.current;
    const current = (): boolean => mine === loadSeq.current;
    setFailure(null);
    setNote(null);
    setTried(req);
    try {
      const m = await identify(req);
      if (!current()) return;
      setMember(m);
      setCards([]);
      const cards = await api.cards(m.memberNo);
      if (current()) setCards(cards);
    } catch (e) {
      if (!current()) return;
      setMember(null);
      setCards([]);
      setFailure(e);
    }
  };

  const refreshCards = async (memberNo: string) => {
    const mine = loadSeq.current;
    const cards = await api.cards(memberNo);
    if (mine === loadSeq.current) setCards(cards);
  };

  useEffect(() => {
    if (!props.scanned) return;
    const { code, source } = props.scanned;
    if (linking && member) {
      setLinking(false);
      api
        .linkCard(member.memberNo, code, source)
        .then(() => {
          setNote(t('lookup.linked'));
          return refreshCards(member.memberNo);
        })
        .catch(setFailure);
    } else {
      void load(source ? { code, source } : { code });
    }
    // Only a new scan triggers this.
  }, [props.scanned?.n]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = classifyLookup(query);
    setError(fieldError(c));
    if (c.ok) void load(c.value);
  };

  const block = async (c: Card) => {
    if (!member) return;
    try {
      await api.blockCard(c.code);
      await refreshCards(member.memberNo);
    } catch (e) {
      setFailure(e);
    }
  };

  const unblock = async (c: Card) => {
    if (!member) return;
    try {
      let approval: string | undefined;
      if (staff.role === 'cashier') {
        const a = await requestApproval({ kind: 'unblock_card', code: c.code });
        if (!a) return;
        approval = a.approval;
      }
      await api.unblockCard(c.code, approval);
      await refreshCards(member.memberNo);
    } catch (e) {
      setFailure(e);
    }
  };

  return (
    <section className="panel lookup">
      <h2>{t('lookup.title')}</h2>
      <form className="identify" onSubmit={submit} noValidate data-testid="lookup-form">
        <TextField name="lookup" label={t('lookup.query')} value={query} onChange={setQuery} error={error} autoFocus />
        <button type="submit" className="primary" data-testid="lookup-submit">
          {t('lookup.submit')}
        </button>
      </form>
      {failure ? (
        <Banner kind="error" testId="lookup-error">
          {errorText(t, failure)}
        </Banner>
      ) : null}
      {failure instanceof ApiError && failure.code === 'unknown_member' && tried && 'phone' in tried ? (
        <button
          type="button"
          className="primary"
          onClick={() => props.onEnrol({ phone: tried.phone })}
          data-testid="lookup-enrol-offer"
        >
          {t('member.enrolPhone')}
        </button>
      ) : null}
      {failure instanceof ApiError && failure.code === 'unknown_card' && tried && 'code' in tried ? (
        <button
          type="button"
          className="primary"
          onClick={() =>
            props.onEnrol({ card: tried.source ? { code: tried.code, source: tried.source } : { code: tried.code } })
          }
          data-testid="lookup-enrol-offer"
        >
          {t('member.enrolCard')}
        </button>
      ) : null}
      {note ? <Banner kind="ok">{note}</Banner> : null}
      {member ? (
        <div className="lookup-result" data-testid="lookup-result">
          <div className="member-head">
            <div>
              <div className="member-name">{member.name}</div>
              <div className="member-sub">
                <span>
                  {t('member.memberNo')} <b data-testid="lookup-member-no">{member.memberNo}</b>
                </span>
                <span>
                  {t('member.phone')} <b>{member.phone}</b>
                </span>
                <span>
                  {t('member.balance')} <b>{fmtPoints(member.balance, lang)}</b>
                </span>
              </div>
            </div>
            <div className="badges">
              <Badge kind={`tier-${member.tier}`}>{lang === 'zh-CN' ? member.tierName.zh : member.tierName.en}</Badge>
              <Badge kind={`life-${member.lifecycle}`}>{t(`member.lifecycle.${member.lifecycle}`)}</Badge>
            </div>
          </div>
          <h3>{t('lookup.cards')}</h3>
          <table className="lines">
            <tbody>
              {cards.map((c) => (
                <tr key={c.code}>
                  <td>{t(`lookup.card.${c.kind}`)}</td>
                  <td>
                    <code>{c.code}</code>
                  </td>
                  <td>
                    <Badge kind={c.status === 'active' ? 'ok' : 'blocked'}>{t(`lookup.card.${c.status}`)}</Badge>
                  </td>
                  <td className="num">
                    {c.status === 'active' ? (
                      <button type="button" onClick={() => void block(c)}>
                        {t('lookup.block')}
                      </button>
                    ) : (
                      <button type="button" onClick={() => void unblock(c)}>
                        {t('lookup.unblock')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={() => setLinking((v) => !v)} aria-pressed={linking}>
              {t('lookup.link')}
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => props.onUseAtCheckout(member)}
              data-testid="lookup-use"
            >
              {t('lookup.useAtCheckout')}
            </button>
          </div>
          {linking ? <Banner kind="info">{t('lookup.linkHint')}</Banner> : null}
          <MemberPreferencesPanel key={member.memberNo} memberNo={member.memberNo} />
        </div>
      ) : null}
    </section>
  );
}
