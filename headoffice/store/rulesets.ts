/**
 * Published rule-set versions. Versions only go up: tills take the highest version whose
 * effectiveFrom has passed, so republishing an old number with a new body would make two
 * machines compute with different rules under one version.
 */
import { canonicalJson } from '../../core/ledger/hash.js';
import { parseRuleSet, type RuleSet } from '../../core/ruleset/schema.js';
import type { PublishOutcome } from './types.js';
import { appendChange } from './changes.js';
import { all, get, run, type Sql } from '../../storage/sql.js';

interface PublishedVersion {
  version: number;
  effective_from: string;
}

/** Every published version, highest first. */
function* publishedVersions(): Sql<PublishedVersion[]> {
  return (yield* all('SELECT version, effective_from FROM rule_sets ORDER BY version DESC')) as PublishedVersion[];
}

export class RuleSetCache {
  // A version's body never changes once published, so a parsed one stays true in every process.
  private readonly parsed = new Map<number, RuleSet>();

  *version(v: number): Sql<RuleSet | null> {
    const hit = this.parsed.get(v);
    if (hit) return hit;
    const row = (yield* get('SELECT body FROM rule_sets WHERE version = ?', v)) as { body: string } | undefined;
    if (!row) return null;
    const rs = parseRuleSet(JSON.parse(row.body));
    this.parsed.set(v, rs);
    return rs;
  }

  /** The rule set tills use at `now`: the highest version whose effectiveFrom has passed. */
  *inForce(now: Date): Sql<RuleSet> {
    return yield* this.pick(yield* publishedVersions(), now);
  }

  /** `inForce` for many instants (a batch's returns) with one read of the versions. */
  *inForceAt(): Sql<(when: Date) => Sql<RuleSet>> {
    const rows = yield* publishedVersions();
    return (when) => this.pick(rows, when);
  }

  private *pick(rows: readonly PublishedVersion[], now: Date): Sql<RuleSet> {
    const at = now.getTime();
    const row = rows.find((r) => Date.parse(r.effective_from) <= at) ?? rows[rows.length - 1];
    const rs = row ? yield* this.version(row.version) : null;
    if (!rs) throw new Error('no rule set installed');
    return rs;
  }

  *latest(): Sql<RuleSet> {
    const row = (yield* get('SELECT max(version) AS v FROM rule_sets')) as { v: number | null };
    const rs = row.v === null ? null : yield* this.version(row.v);
    if (!rs) throw new Error('no rule set installed');
    return rs;
  }
}

function* insert(rs: RuleSet, now: Date): Sql<number> {
  yield* run(
    'INSERT INTO rule_sets (version, programme, effective_from, body, published_at) VALUES (?, ?, ?, ?, ?)',
    rs.version,
    rs.programme,
    rs.effectiveFrom,
    JSON.stringify(rs),
    now.toISOString(),
  );
  return yield* appendChange('ruleset', String(rs.version), { version: rs.version }, now);
}

/** Installs `rs` when no rule set exists yet; true when it did. Call inside a write transaction. */
export function* seedRuleSet(rs: RuleSet, now: Date): Sql<boolean> {
  const n = ((yield* get('SELECT count(*) AS n FROM rule_sets')) as { n: number }).n;
  if (n > 0) return false;
  yield* insert(rs, now);
  return true;
}

/** Call inside a write transaction. */
export function* publishRuleSet(rs: RuleSet, now: Date): Sql<PublishOutcome> {
  const same = (yield* get('SELECT body FROM rule_sets WHERE version = ?', rs.version)) as { body: string } | undefined;
  if (same) {
    if (canonicalJson(JSON.parse(same.body)) === canonicalJson(rs)) return { kind: 'unchanged', version: rs.version };
    return {
      kind: 'conflict',
      code: 'version_conflict',
      message: `version ${rs.version} is already published with a different body; publish a new version`,
    };
  }
  const max = ((yield* get('SELECT max(version) AS v FROM rule_sets')) as { v: number | null }).v ?? 0;
  if (rs.version < max) {
    return {
      kind: 'conflict',
      code: 'stale_version',
      message: `version ${rs.version} is below the latest published version ${max}`,
    };
  }
  return { kind: 'published', version: rs.version, cursor: yield* insert(rs, now) };
}
