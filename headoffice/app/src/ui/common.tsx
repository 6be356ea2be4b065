/** Small pieces every page uses: a measure card, a table, a store's or a till's name. */
import type { ReactNode } from 'react';
import { useUi } from './context.js';

export function Card({
  title,
  value,
  bad = false,
  note,
  testId,
}: {
  title: string;
  value: ReactNode;
  bad?: boolean;
  note?: ReactNode;
  testId?: string;
}): React.JSX.Element {
  return (
    <div className="card" data-testid={testId}>
      <div className="k">{title}</div>
      <div className={bad ? 'v bad' : 'v'}>{value}</div>
      {note ? <div className="note">{note}</div> : null}
    </div>
  );
}

export interface Column<R> {
  title: string;
  cell: (r: R) => ReactNode;
  numeric?: boolean;
  bad?: (r: R) => boolean;
}

export function Table<R>({
  columns,
  rows,
  rowKey,
  rowClass,
  rowAttr,
  testId,
}: {
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (r: R, i: number) => string;
  rowClass?: (r: R) => string;
  /** data-row: what a test or a stylesheet finds the row by */
  rowAttr?: (r: R) => Record<string, string>;
  testId?: string;
}): React.JSX.Element {
  const { t } = useUi();
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} className={c.numeric ? 'n' : undefined}>
              {c.title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length} className="muted">
              {t('app.noData')}
            </td>
          </tr>
        ) : (
          rows.map((r, i) => (
            <tr key={rowKey(r, i)} className={rowClass?.(r) || undefined} {...(rowAttr?.(r) ?? {})}>
              {columns.map((c, j) => {
                const cls = [c.numeric ? 'n' : '', c.bad?.(r) ? 'bad' : ''].filter(Boolean).join(' ');
                return (
                  <td key={j} className={cls || undefined}>
                    {c.cell(r)}
                  </td>
                );
              })}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/**
 * A store or a till as the pages show it (issue 13 item 8): the name registered at head office,
 * the id beside it as secondary text; the id alone when it has no name.
 */
export function Place({ name, id }: { name: string | null | undefined; id: string }): React.JSX.Element {
  if (!name) return <span className="place">{id}</span>;
  return (
    <span className="place">
      {name} <span className="muted id">{id}</span>
    </span>
  );
}

/** The same as text, for alerts and chart labels: "南京西路店 (S1)". */
export const placeText = (name: string | null | undefined, id: string): string => (name ? `${name} (${id})` : id);

/** A labelled number input whose value stays the text typed (the form checks it when submitted). */
export function NumberField({
  label,
  testId,
  value,
  onChange,
  min,
  max,
  step,
}: {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  min?: number;
  max?: number;
  step?: string;
}): React.JSX.Element {
  return (
    <label className="inline">
      {label}
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        data-testid={testId}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
