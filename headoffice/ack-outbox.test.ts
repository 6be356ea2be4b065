/**
 * Head office's acknowledged outbox row per till (store/ingest.ts nextAckOutbox, migration 028 /
 * pg 017): each batch names the till's outbox rows it covers (`outbox: {after, last}`); head
 * office keeps `last` when the batch continues from a row it holds, in the transaction that
 * acknowledges the batch (accepted into the inbox or applied), and answers it on every feed page
 * as `ackOutbox`. A batch past a row it does not hold (lost in a restore) leaves the value where
 * it was, so the till learns to send its outbox again from there; the records sent again are
 * taken as duplicates (docs/sync.md, "Head office restored from a backup").
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord, MemberUpsert } from '../core/sync/protocol.js';
import { nextAckOutbox } from './store/ingest.js';
import { at, changes, upload, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

describe('nextAckOutbox', () => {
  it('moves to the batch’s last row when it continues from a row held; else stays', () => {
    const b = (after: number, last: number) => ({ outbox: { after, last } });
    expect(nextAckOutbox(0, b(0, 4))).toBe(4);
    expect(nextAckOutbox(4, b(4, 4))).toBe(4);
    // Overlapping what is held (a resend from further back): the till's numbering is taken.
    expect(nextAckOutbox(10, b(3, 12))).toBe(12);
    expect(nextAckOutbox(10, b(3, 6))).toBe(6);
    // Past a row head office does not hold: rows 5..8 are missing, the value stays.
    expect(nextAckOutbox(4, b(8, 12))).toBe(4);
    // Not known yet (a till row from before migration 028): the first batch naming rows sets it.
    expect(nextAckOutbox(null, b(8, 12))).toBe(12);
    // An older till names none.
    expect(nextAckOutbox(7, {})).toBe(7);
    expect(nextAckOutbox(null, {})).toBeNull();
  });
});

describe('the acknowledged outbox row at head office', () => {
  let t: TestHq;
  let till: TillSim;
  useOneTillHq('AO', (x) => ({ t, till } = x));

  const ackOutbox = async (): Promise<number | undefined> => {
    const page = await changes(t, till, 0);
    expect(page.status).toBe(200);
    return page.body.ackOutbox as number | undefined;
  };

  /** A batch of records only after everything the till uploaded so far. */
  const recordsAfter = (records: Record<string, unknown>, outbox?: { after: number; last: number }) => ({
    tillId: till.tillId,
    storeId: till.storeId,
    firstSeq: till.headSeq + 1,
    lastSeq: till.headSeq,
    prevHash: till.entries[till.headSeq - 1]?.hash,
    entries: [],
    ...records,
    ...(outbox ? { outbox } : {}),
  });

  const ok = async (body: unknown): Promise<string> => {
    const r = await upload(t, till, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.status as string;
  };

  it('is 0 for a new till, follows each acknowledged batch (inbox or applied), and stays at a hole', async () => {
    expect(await ackOutbox()).toBe(0);
    till.enrol('M1', at(0));
    for (let i = 1; i <= 3; i++) till.sale('M1', 10_000 * i, at(i));
    const batches = till.batches(Math.ceil(till.headSeq / 2));
    expect(batches.length).toBe(2);
    const [b1, b2] = batches as [object, object];
    // Accepted into the inbox one after the other: the second continues the first's waiting row.
    await ok({ ...b1, outbox: { after: 0, last: 3 } });
    await ok({ ...b2, outbox: { after: 3, last: 5 } });
    // Each waiting row keeps the value after it (unless the background pass applied it already).
    const waiting = await t.sql('SELECT ack_outbox FROM inbox ORDER BY id');
    expect([[{ ack_outbox: 3 }, { ack_outbox: 5 }], [{ ack_outbox: 5 }], []]).toContainEqual(waiting);
    expect(await ackOutbox()).toBe(5);
    await t.hq.store.settle();
    expect(await t.sql('SELECT ack_outbox FROM tills WHERE till_id = ?', till.tillId)).toEqual([{ ack_outbox: 5 }]);

    // Records only (the long path), continuing.
    const fb = (id: string): FeedbackRecord => ({
      feedbackId: id,
      kind: 'suggestion',
      category: 'store',
      text: '多放几个购物篮',
      memberNo: 'M1',
      followUp: false,
      staffId: '0002',
      recordedAt: at(10),
    });
    expect(await ok(recordsAfter({ feedback: [fb('f1')] }, { after: 5, last: 6 }))).toBe('applied');
    expect(await ackOutbox()).toBe(6);

    // Rows 7..8 never arrived (head office restored from a backup lost them): acknowledged, the
    // record taken, but the value stays at 6 for the till to send again from there.
    expect(await ok(recordsAfter({ feedback: [fb('f9')] }, { after: 8, last: 9 }))).toBe('applied');
    expect(await ackOutbox()).toBe(6);
    // The till sends its outbox again from 6: continuing, so the value moves; f9 is a duplicate.
    expect(await ok(recordsAfter({ feedback: [fb('f7'), fb('f9')] }, { after: 6, last: 9 }))).toBe('applied');
    expect(await ackOutbox()).toBe(9);
    expect(await ok(recordsAfter({ feedback: [fb('f7'), fb('f9')] }, { after: 6, last: 9 }))).toBe('duplicate');
    expect(await ackOutbox()).toBe(9);
    expect((await t.sql('SELECT feedback_id FROM feedback ORDER BY feedback_id')).map((r) => r.feedback_id)).toEqual([
      'f1',
      'f7',
      'f9',
    ]);

    // An older till's batch names no rows: the value stays.
    till.sale('M1', 5_000, at(20));
    await ok(till.batches(100).at(-1));
    expect(await ackOutbox()).toBe(9);

    // A till restored from its own backup numbers its rows behind: head office follows it.
    expect(await ok(recordsAfter({}, { after: 2, last: 4 }))).toBe('duplicate');
    expect(await ackOutbox()).toBe(4);
    expect(await ok(recordsAfter({}, { after: 4, last: 9 }))).toBe('duplicate');

    // A batch after a hole in the ledger is refused (409): nothing acknowledged, the value stays.
    till.sale('M1', 5_000, at(21));
    till.sale('M1', 5_000, at(22));
    const later = till.batches(1).at(-1) as object;
    const gap = await upload(t, till, { ...later, outbox: { after: 9, last: 11 } });
    expect(gap.status).toBe(409);
    expect(await ackOutbox()).toBe(9);
  });

  it('unknown for a till row from before migration 028 (no ackOutbox): the first batch naming rows sets it', async () => {
    await t.exec('UPDATE tills SET ack_outbox = NULL WHERE till_id = ?', till.tillId);
    expect(await ackOutbox()).toBeUndefined();
    till.enrol('M2', at(0));
    await ok({ ...(till.batches(10)[0] as object), outbox: { after: 40, last: 42 } });
    expect(await ackOutbox()).toBe(42);
  });

  it('records sent again are duplicates: a card block, feedback and a preference change', async () => {
    const m = till.enrol('M3', at(0));
    await ok({ ...(till.batches(10)[0] as object), outbox: { after: 0, last: 1 } });
    const changeId = randomUUID();
    // As the till sends it (main/sync/batch.ts memberRecord): every field, its own choices applied.
    const member: MemberUpsert = {
      ...m,
      ageBand: null,
      referrerMemberNo: null,
      status: 'active',
      consentMarketing: false,
      cards: [{ code: m.memberNo, kind: 'barcode', status: 'blocked', changedAt: at(5), staffId: '0002' }],
      preferenceChanges: [{ changeId, at: at(5), staffId: '0002', consentMarketing: false }],
    };
    const feedback: FeedbackRecord[] = [
      {
        feedbackId: 'f-card',
        kind: 'complaint',
        category: 'service',
        text: '卡丢了',
        memberNo: m.memberNo,
        followUp: true,
        staffId: '0002',
        recordedAt: at(5),
      },
    ];
    const body = recordsAfter({ members: [member], feedback }, { after: 1, last: 4 });
    expect(await ok(body)).toBe('applied');
    await t.hq.store.settle();
    const count = async () => ({
      changes: (await t.sql<{ n: number }>('SELECT count(*) AS n FROM changes'))[0]?.n,
      feedback: (await t.sql<{ n: number }>('SELECT count(*) AS n FROM feedback'))[0]?.n,
      preferences: (await t.sql<{ n: number }>('SELECT count(*) AS n FROM member_preference_changes'))[0]?.n,
      card: (await t.sql<{ status: string }>('SELECT status FROM cards WHERE code = ?', m.memberNo))[0]?.status,
    });
    const before = await count();
    expect(before).toMatchObject({ feedback: 1, preferences: 1, card: 'blocked' });
    // After a restore that kept them, the till's resend from further back changes nothing.
    expect(await ok(recordsAfter({ members: [member], feedback }, { after: 1, last: 4 }))).toBe('duplicate');
    await t.hq.store.settle();
    expect(await count()).toEqual(before);
    expect(await ackOutbox()).toBe(4);
  });
});
