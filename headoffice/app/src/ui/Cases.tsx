/** Double-spend cases (双重消费案例, DOMAIN.md 4 and 12) from the summary report; an admin closes one with a reason. */
import type { DoubleSpendCase } from '../lib/types.js';
import { num, when } from '../lib/format.js';
import { placeText, Table } from './common.js';
import { label, useUi } from './context.js';

export function Cases({
  cases,
  onClose,
}: {
  cases: readonly DoubleSpendCase[];
  onClose: (id: number) => void;
}): React.JSX.Element {
  const { t, lang, zone, names } = useUi();
  return (
    <section>
      <h2>{t('nav.cases')}</h2>
      <Table
        testId="cases"
        rows={cases}
        rowKey={(r) => String(r.id)}
        columns={[
          { title: t('cases.kind'), cell: (r) => label(t, 'cases.kind', r.kind) },
          { title: t('cases.member'), cell: (r) => r.memberNo },
          { title: t('cases.tills'), cell: (r) => r.tills.map((id) => placeText(names.tills.get(id), id)).join(', ') },
          { title: t('cases.points'), cell: (r) => num(lang, r.points), numeric: true },
          {
            title: t('cases.balanceAfter'),
            cell: (r) => num(lang, r.balanceAfter),
            numeric: true,
            bad: (r) => r.balanceAfter < 0,
          },
          { title: t('col.status'), cell: (r) => label(t, 'cases', r.status), bad: (r) => r.status === 'open' },
          { title: t('cases.detectedAt'), cell: (r) => when(r.detectedAt, zone) },
          {
            title: t('cases.resolution'),
            cell: (r) => (r.closedBy ? `${r.closedBy} ${when(r.closedAt, zone)}: ${r.resolution ?? ''}` : ''),
          },
          {
            title: t('col.action'),
            cell: (r) =>
              r.status === 'open' ? (
                <button type="button" data-testid={`close-case-${r.id}`} onClick={() => onClose(r.id)}>
                  {t('cases.close')}
                </button>
              ) : null,
          },
        ]}
      />
    </section>
  );
}
