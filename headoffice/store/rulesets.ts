/**
 * Published rule-set versions. Versions only go up: tills take the highest version whose
 * effectiveFrom has passed, so republishing an old number with a new body would make two
 * machines compute with different rules under one version.
 */
import { canonicalJson } from '../../core/ledger/hash.js';
import { parseRuleSet, type RuleSet } from '../../core/ruleset/schema.js';
import type { PublishOutcome } from './types.js';
import { appendChange } from './changes.js';
import { q, type Db } from './sqlite-db.js';

export class RuleSetCache {
  private readonly parsed = new Map<number, RuleSet>();

  constructor(private readonly db: Db) {}

  version(v: number): RuleSet | null {
    const hit = this.parsed.get(v);
    if (hit) return hit;
    const row = q(this.db, 'SELECT body FROM rule_sets WHERE version = ?').get(v) as { body: string } | undefined;
    if (!row) return null;
    const rs = parseRuleSet(JSON.parse(row.body));
    this.parsed.set(v, rs);
    return rs;
  }

  /** The rule set tills use at `now`: the highest version whose effectiveFrom has passed. */
  inForce(now: Date): RuleSet {
    const rows = q(this.db, 'SELECT version, effective_from FROM rule_sets ORDER BY version DESC').all() as {
      version: number;
      effective_from: string;
    }[];
    const at = now.getTime();
    const row = rows.find((r) => Date.parse(r.effective_from) <= at) ?? rows[rows.length - 1];
    const rs = row ? this.version(row.version) : null;
    if (!rs) throw new Error('no rule set installed');
    return rs;
  }

  latest(): RuleSet {
    const row = q(this.db, 'SELECT max(version) AS v FROM rule_sets').get() as { v: number | null };
    const rs = row.v === null ? null : this.version(row.v);
    if (!rs) throw new Error('no rule set installed');
    return rs;
  }
}

function insert(db: Db, rs: RuleSet, now: Date): number {
  q(db, 'INSERT INTO rule_sets (version, programme, effective_from, body, published_at) VALUES (?, ?, ?, ?, ?)').run(
    rs.version,
    rs.programme,
    rs.effectiveFrom,
    JSON.stringify(rs),
    now.toISOString(),
  );
  return appendChange(db, 'ruleset', String(rs.version), { version: rs.version }, now);
}

export function seedRuleSet(db: Db, rs: RuleSet, now: Date): boolean {
  return db.transaction(() => {
    const n = (q(db, 'SELECT count(*) AS n FROM rule_sets').get() as { n: number }).n;
    if (n > 0) return false;
    insert(db, rs, now);
    return true;
  })();
}

export function publishRuleSet(db: Db, rs: RuleSet, now: Date): PublishOutcome {
  return db
    .transaction((): PublishOutcome => {
      const same = q(db, 'SELECT body FROM rule_sets WHERE version = ?').get(rs.version) as
        { body: string } | undefined;
      if (same) {
        if (canonicalJson(JSON.parse(same.body)) === canonicalJson(rs))
          return { kind: 'unchanged', version: rs.version };
        return {
          kind: 'conflict',
          code: 'version_conflict',
          message: `version ${rs.version} is already published with a different body; publish a new version`,
        };
      }
      const max = (q(db, 'SELECT max(version) AS v FROM rule_sets').get() as { v: number | null }).v ?? 0;
      if (rs.version < max) {
        return {
          kind: 'conflict',
          code: 'stale_version',
          message: `version ${rs.version} is below the latest published version ${max}`,
        };
      }
      return { kind: 'published', version: rs.version, cursor: insert(db, rs, now) };
    })
    .immediate();
}
