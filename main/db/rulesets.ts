/** Rule-set versions. A sale uses the highest version whose effectiveFrom is not after it. */
import { parseRuleSet, type RuleSet } from '../../core/ruleset/schema.js';
import type { Db } from './open.js';

export class RuleSetStore {
  private readonly cache = new Map<number, RuleSet>();
  private readonly q;

  constructor(db: Db) {
    this.q = {
      put: db.prepare(
        `INSERT INTO rule_sets (programme, version, effective_from, effective_ms, body, received_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      at: db.prepare('SELECT version, body FROM rule_sets WHERE effective_ms <= ? ORDER BY version DESC LIMIT 1'),
      byVersion: db.prepare('SELECT body FROM rule_sets WHERE version = ?'),
      earliest: db.prepare('SELECT version, body FROM rule_sets ORDER BY effective_ms, version LIMIT 1'),
      count: db.prepare('SELECT count(*) AS n FROM rule_sets'),
    };
  }

  /** Validates before storing: an invalid rule set never reaches the ledger's computations. */
  put(input: unknown, receivedAt: string): RuleSet {
    const rs = parseRuleSet(input);
    this.q.put.run(
      rs.programme,
      rs.version,
      rs.effectiveFrom,
      Date.parse(rs.effectiveFrom),
      JSON.stringify(rs),
      receivedAt,
    );
    return rs;
  }

  isEmpty(): boolean {
    return (this.q.count.get() as { n: number }).n === 0;
  }

  /** The rule set in force at `instant`; before the first one, the earliest. */
  at(instant: string): RuleSet {
    const row = (this.q.at.get(Date.parse(instant)) ?? this.q.earliest.get()) as
      { version: number; body: string } | undefined;
    if (!row) throw new Error('no rule set installed');
    return this.parse(row.version, row.body);
  }

  version(v: number): RuleSet | null {
    const cached = this.cache.get(v);
    if (cached) return cached;
    const row = this.q.byVersion.get(v) as { body: string } | undefined;
    return row ? this.parse(v, row.body) : null;
  }

  private parse(version: number, body: string): RuleSet {
    let rs = this.cache.get(version);
    if (!rs) {
      rs = parseRuleSet(JSON.parse(body));
      this.cache.set(version, rs);
    }
    return rs;
  }
}
