/**
 * Member lookup by member number: balance, tier, class, lifecycle, cards and ledger by their
 * glossary names; export (a file the operator saves, never shown in the page) and erasure,
 * each attributed and with a reason.
 */
import { useRef, useState } from 'react';
import { ApiError, api } from '../lib/api.js';
import type { MemberView } from '../lib/types.js';
import { num, when, yuan } from '../lib/format.js';
import { Card, Place, placeText, Table } from './common.js';
import { label, useUi } from './context.js';

export type Act = (
  run: (who: { operatorId: string; reason: string }) => Promise<unknown>,
  confirm?: string,
) => Promise<unknown>;

function download(name: string, data: unknown): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function Member({ act, onChanged }: { act: Act; onChanged: () => void }): React.JSX.Element {
  const { t, lang, zone, names } = useUi();
  const [no, setNo] = useState('');
  const [view, setView] = useState<MemberView | null>(null);
  const [missing, setMissing] = useState(false);
  // Only the latest lookup is shown: export and erase act on the member shown, and an earlier,
  // slower answer must not put another member there.
  const seq = useRef(0);
  const lookup = async (memberNo: string): Promise<void> => {
    if (!memberNo) return;
    const mine = ++seq.current;
    try {
      const found = await api.member(memberNo);
      if (mine !== seq.current) return;
      setView(found);
      setMissing(false);
    } catch (e) {
      if (mine !== seq.current) return;
      setView(null);
      setMissing(e instanceof ApiError && e.status === 404);
    }
  };
  const v = view;
  return (
    <section>
      <h2>{t('nav.member')}</h2>
      <form
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void lookup(no.trim());
        }}
      >
        <label htmlFor="memberNo">{t('member.memberNo')}</label>
        <input
          id="memberNo"
          data-testid="memberNo"
          spellCheck={false}
          value={no}
          onChange={(e) => setNo(e.target.value)}
        />
        <button type="submit">{t('member.search')}</button>
      </form>
      <div data-testid="member">
        {missing ? <p className="bad">{t('member.unknown')}</p> : null}
        {v ? (
          <>
            <div className="cards">
              <Card title={t('member.member')} value={v.memberNo + (v.name ? ` · ${v.name}` : '')} />
              <Card title={t('member.balance')} value={num(lang, v.balance)} />
              <Card title={t('member.ledgerBalance')} value={num(lang, v.ledgerBalance)} />
              <Card title={t('member.debt')} value={num(lang, v.debt)} bad={v.debt > 0} />
              <Card title={t('member.tier')} value={label(t, 'tier', v.tier)} />
              <Card title={t('member.class')} value={label(t, 'class', v.class ?? 'unclassified')} />
              <Card title={t('member.lifecycle')} value={label(t, 'lifecycle', v.lifecycle)} />
              <Card
                title={t('member.status')}
                value={
                  v.erasedAt
                    ? t('member.erased', { time: when(v.erasedAt, zone) })
                    : label(t, 'member.status', v.status)
                }
              />
              <Card title={t('member.rollingSpend')} value={yuan(v.rollingSpend)} />
              <Card
                title={t('member.enrolledStore')}
                value={v.enrolledStore ? placeText(names.stores.get(v.enrolledStore), v.enrolledStore) : '—'}
              />
            </div>
            <p>
              <button
                type="button"
                data-testid="export-member"
                onClick={() =>
                  void act((who) => api.exportMember(v.memberNo, who)).then(
                    (data) => data !== null && download(`member-${v.memberNo}.json`, data),
                    () => undefined,
                  )
                }
              >
                {t('member.export')}
              </button>{' '}
              {v.erasedAt ? null : (
                <button
                  type="button"
                  className="danger"
                  data-testid="erase-member"
                  onClick={() => {
                    const shownSeq = seq.current;
                    void act(
                      (who) => api.eraseMember(v.memberNo, who),
                      t('member.confirmErase', { memberNo: v.memberNo }),
                    ).then(
                      (r) => {
                        if (r === null) return;
                        onChanged();
                        // Shown again as erased, unless the operator has looked someone else up since.
                        return seq.current === shownSeq ? lookup(v.memberNo) : undefined;
                      },
                      () => undefined,
                    );
                  }}
                >
                  {t('member.erase')}
                </button>
              )}
            </p>
            {v.expiringSoon.length > 0 ? (
              <>
                <h3>{t('member.expiringSoon')}</h3>
                <Table
                  rows={v.expiringSoon}
                  rowKey={(r) => r.on}
                  columns={[
                    { title: t('member.expiresOn'), cell: (r) => r.on },
                    { title: t('member.points'), cell: (r) => num(lang, r.points), numeric: true },
                  ]}
                />
              </>
            ) : null}
            <h3>{t('member.cards')}</h3>
            <Table
              rows={v.cards}
              rowKey={(r) => r.code}
              columns={[
                { title: t('member.cardCode'), cell: (r) => r.code },
                { title: t('member.cardType'), cell: (r) => label(t, 'card', r.kind) },
                { title: t('col.status'), cell: (r) => label(t, 'card', r.status) },
              ]}
            />
            <h3>{t('member.ledger')}</h3>
            <Table
              testId="ledger"
              rows={v.ledger}
              rowKey={(r) => `${r.tillId}:${r.seq}`}
              columns={[
                { title: t('member.occurredAt'), cell: (r) => when(r.occurredAt, zone) },
                { title: t('col.till'), cell: (r) => <Place name={names.tills.get(r.tillId)} id={r.tillId} /> },
                { title: t('member.seq'), cell: (r) => String(r.seq), numeric: true },
                { title: t('member.kind'), cell: (r) => label(t, 'kind', r.kind) },
                { title: t('member.points'), cell: (r) => num(lang, r.points), numeric: true },
                { title: t('member.expiresOn'), cell: (r) => r.expiresOn ?? '—' },
                { title: t('member.sale'), cell: (r) => r.saleId ?? '—' },
              ]}
            />
          </>
        ) : null}
      </div>
    </section>
  );
}
