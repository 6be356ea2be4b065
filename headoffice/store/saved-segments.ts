/**
 * Saved segments (issue 13 item 6, docs/campaigns.md "Saved segments") as store steps: save a
 * member view under a name as its rule with the count it matched then, list, rename, delete.
 * Who and when are kept on the row (created_by/at, renamed_by/at, deleted_by/at). A deleted
 * segment keeps its row so an ended campaign still names it; one that a campaign not yet ended
 * targets cannot be deleted.
 */
import { randomBytes } from 'node:crypto';
import type { SegmentRule } from '../../core/campaigns.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { HqCipher } from '../crypto.js';
import type { SegmentCreateRequest, SegmentView } from '../segment-schemas.js';
import type { RuleSetCache } from './rulesets.js';
import { matchingMembers } from './targeting.js';

interface SegmentRow {
  segment_id: string;
  name: string;
  rule: string;
  count_at_save: number | string;
  as_of: string;
  created_by: string;
  created_at: string;
  renamed_by: string | null;
  renamed_at: string | null;
}

const COLUMNS = 'segment_id, name, rule, count_at_save, as_of, created_by, created_at, renamed_by, renamed_at';

function fromRow(r: SegmentRow): SegmentView {
  return {
    id: r.segment_id,
    name: r.name,
    rule: JSON.parse(r.rule) as SegmentRule,
    countAtSave: Number(r.count_at_save),
    asOf: r.as_of,
    createdBy: r.created_by,
    createdAt: r.created_at,
    renamedBy: r.renamed_by,
    renamedAt: r.renamed_at,
  };
}

function* liveSegment(id: string): Sql<SegmentView | null> {
  const r = (yield* get(`SELECT ${COLUMNS} FROM saved_segments WHERE segment_id = ? AND deleted_at IS NULL`, id)) as
    SegmentRow | undefined;
  return r ? fromRow(r) : null;
}

/** A live segment already called `name` (names are unique among live segments), other than `except`. */
function* nameTaken(name: string, except: string | null): Sql<boolean> {
  const r = (yield* get(
    'SELECT segment_id FROM saved_segments WHERE name = ? AND deleted_at IS NULL AND segment_id <> ?',
    name,
    except ?? '',
  )) as { segment_id: string } | undefined;
  return r !== undefined;
}

/** Live segments, newest first. */
export function* listSegments(): Sql<SegmentView[]> {
  const rows = (yield* all(
    `SELECT ${COLUMNS} FROM saved_segments WHERE deleted_at IS NULL ORDER BY created_at DESC, segment_id`,
  )) as SegmentRow[];
  return rows.map(fromRow);
}

/** How many active members a rule matches now. */
export function* countSegment(
  cipher: HqCipher,
  rules: RuleSetCache,
  rule: SegmentRule,
  now: Date,
): Sql<{ asOf: string; members: number }> {
  const { today, memberNos } = yield* matchingMembers(cipher, rules, now, rule);
  return { asOf: today, members: memberNos.length };
}

export type SaveOutcome = { kind: 'saved'; segment: SegmentView } | { kind: 'name_taken' };

/** Saves `req.rule` under `req.name` with the count it matches now, by `author`. */
export function* saveSegment(
  cipher: HqCipher,
  rules: RuleSetCache,
  req: SegmentCreateRequest,
  author: string,
  now: Date,
): Sql<SaveOutcome> {
  if (yield* nameTaken(req.name, null)) return { kind: 'name_taken' };
  const count = yield* countSegment(cipher, rules, req.rule, now);
  const id = `seg-${now.getTime().toString(36)}-${randomBytes(3).toString('hex')}`;
  yield* run(
    'INSERT INTO saved_segments (segment_id, name, rule, count_at_save, as_of, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    id,
    req.name,
    JSON.stringify(req.rule),
    count.members,
    count.asOf,
    author,
    now.toISOString(),
  );
  return { kind: 'saved', segment: (yield* liveSegment(id)) as SegmentView };
}

export type RenameOutcome = { kind: 'renamed'; segment: SegmentView } | { kind: 'unknown' } | { kind: 'name_taken' };

export function* renameSegment(id: string, name: string, by: string, now: Date): Sql<RenameOutcome> {
  if (!(yield* liveSegment(id))) return { kind: 'unknown' };
  if (yield* nameTaken(name, id)) return { kind: 'name_taken' };
  yield* run(
    'UPDATE saved_segments SET name = ?, renamed_by = ?, renamed_at = ? WHERE segment_id = ?',
    name,
    by,
    now.toISOString(),
    id,
  );
  return { kind: 'renamed', segment: (yield* liveSegment(id)) as SegmentView };
}

export type DeleteOutcome =
  | { kind: 'deleted'; id: string; deletedBy: string; deletedAt: string }
  | { kind: 'unknown' }
  | { kind: 'in_use'; campaigns: string[] };

/** Deletes a segment no campaign that has not ended targets. */
export function* deleteSegment(id: string, by: string, now: Date): Sql<DeleteOutcome> {
  if (!(yield* liveSegment(id))) return { kind: 'unknown' };
  // target is JSON: the few campaigns are read and parsed, not searched as text in SQL. In the
  // order GET /v1/campaigns lists them (store/campaigns.ts): without ORDER BY, PostgreSQL answers
  // in heap order, where an updated row (approved, started) moves to the end.
  const campaigns = (yield* all(
    "SELECT campaign_id, target FROM campaigns WHERE status <> 'ended' ORDER BY created_at, campaign_id",
  )) as {
    campaign_id: string;
    target: string;
  }[];
  const using = campaigns
    .filter((c) => (JSON.parse(c.target) as { segmentId?: string }).segmentId === id)
    .map((c) => c.campaign_id);
  if (using.length > 0) return { kind: 'in_use', campaigns: using };
  const at = now.toISOString();
  yield* run('UPDATE saved_segments SET deleted_by = ?, deleted_at = ? WHERE segment_id = ?', by, at, id);
  return { kind: 'deleted', id, deletedBy: by, deletedAt: at };
}
