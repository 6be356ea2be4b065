/**
 * The end-of-run check: head office holds exactly what it acknowledged, no less and no more.
 *
 * 1. every till (GET /v1/tills): head office's acknowledged seq is at least what it answered
 *    the till (`ack`; more only when an answer was lost after head office took the batch), at
 *    most the till's chain head, and the chain is `ok`. Below `ack` is a lost batch: FAIL;
 * 2. the expected state: for every member, the sum of the signed points and the number of
 *    this run's entries over each till's chain up to head office's acknowledged seq;
 * 3. every member, or a random sample of `limit` (GET /v1/members/{memberNo}, 16 at a time):
 *    head office's `ledgerBalance` and its count of this run's entries equal the expected
 *    ones. A lost entry shows as a shortfall, a doubled one as an excess, even at 0 points;
 *    a member whose enrolment never reached head office must be unknown there (404).
 *
 * Verdict: FAIL when 1 or 3 finds a difference; INCOMPLETE when everything agrees but some
 * tills still hold entries head office never acknowledged (it was too slow to drain: nothing
 * is lost, a real till would keep retrying); PASS otherwise.
 */
import { signedPoints } from '../core/ledger/entry.js';
import type { ChainModel } from './model.js';
import { bearerCall } from './operator.js';
import type { SimTill } from './till.js';

export interface CheckReport {
  verdict: 'PASS' | 'INCOMPLETE' | 'FAIL';
  pass: boolean;
  members: number;
  membersChecked: number;
  memberMismatchCount: number;
  /** the first 20: expected from the acknowledged chains, as head office holds it (null: unknown there) */
  memberMismatches: {
    memberNo: string;
    expected: number;
    hq: number | null;
    expectedEntries: number;
    hqEntries: number | null;
  }[];
  tillsChecked: number;
  /** tills head office holds less of than it acknowledged, or whose chain it refused (the first 20) */
  tillsShortCount: number;
  tillsShort: { tillId: string; acked: number; hqAckSeq: number | null; chain: string | null }[];
  /** entries the tills still hold that head office never acknowledged */
  undelivered: { tills: number; entries: number };
}

interface Expected {
  balance: number;
  entries: number;
}

export async function checkAgainstHq(
  hq: string,
  token: string,
  tag: string,
  tills: readonly SimTill[],
  model: ChainModel,
  limit: number,
  rng: () => number,
): Promise<CheckReport> {
  const view = await bearerCall<{ tills: { tillId: string; ackSeq: number; chainStatus: string }[] }>(
    hq,
    token,
    'GET',
    '/v1/tills',
  );
  const held = new Map(view.tills.map((t) => [t.tillId, t]));
  const tillsShort: CheckReport['tillsShort'] = [];
  const expected = new Map<string, Expected>();
  const undelivered = { tills: 0, entries: 0 };
  for (const t of tills) {
    const h = held.get(t.sim.tillId);
    const hqAck = h?.ackSeq ?? 0;
    if (!h || hqAck < t.ack || hqAck > t.sim.headSeq || h.chainStatus !== 'ok') {
      tillsShort.push({
        tillId: t.sim.tillId,
        acked: t.ack,
        hqAckSeq: h?.ackSeq ?? null,
        chain: h?.chainStatus ?? null,
      });
    }
    if (hqAck < t.sim.headSeq) {
      undelivered.tills += 1;
      undelivered.entries += t.sim.headSeq - Math.max(hqAck, 0);
    }
    for (const e of t.sim.entries.slice(0, Math.min(hqAck, t.sim.headSeq))) {
      const x = expected.get(e.memberNo) ?? { balance: 0, entries: 0 };
      x.balance += signedPoints(e);
      x.entries += 1;
      expected.set(e.memberNo, x);
    }
  }

  const all = [...model.members.keys()];
  // A random sample when there are more members than the check takes (Fisher-Yates prefix).
  for (let i = 0; i < Math.min(limit, all.length); i++) {
    const j = i + Math.floor(rng() * (all.length - i));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  const sample = all.slice(0, limit);
  const memberMismatches: CheckReport['memberMismatches'] = [];
  const prefix = `lg-${tag}-`;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sample.length) {
      const memberNo = sample[next++] as string;
      const want = expected.get(memberNo) ?? { balance: 0, entries: 0 };
      const r = await fetch(`${hq}/v1/members/${encodeURIComponent(memberNo)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (r.status === 404 && want.entries === 0) {
        await r.body?.cancel();
        continue;
      }
      const body = r.ok ? ((await r.json()) as { ledgerBalance: number; ledger: { tillId: string }[] }) : null;
      const hqEntries = body ? body.ledger.filter((e) => e.tillId.startsWith(prefix)).length : null;
      if (!body || body.ledgerBalance !== want.balance || hqEntries !== want.entries) {
        memberMismatches.push({
          memberNo,
          expected: want.balance,
          hq: body?.ledgerBalance ?? null,
          expectedEntries: want.entries,
          hqEntries,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const sound = memberMismatches.length === 0 && tillsShort.length === 0;
  const verdict = !sound ? 'FAIL' : undelivered.tills > 0 ? 'INCOMPLETE' : 'PASS';
  return {
    verdict,
    pass: verdict === 'PASS',
    members: model.members.size,
    membersChecked: sample.length,
    memberMismatchCount: memberMismatches.length,
    memberMismatches: memberMismatches.slice(0, 20),
    tillsChecked: tills.length,
    tillsShortCount: tillsShort.length,
    tillsShort: tillsShort.slice(0, 20),
    undelivered,
  };
}
