/**
 * The generator's own record of the chain: every member it enrolled, where, and the points
 * head office must hold for them (the sum of the signed points of every entry any simulated
 * till wrote for the member, core/ledger/entry.ts signedPoints). At the end head office's
 * `ledgerBalance` and its count of till entries must equal these for every member checked:
 * a lost batch shows as a shortfall, a doubled one as an excess.
 */
import { signedPoints, type LedgerEntry } from '../core/ledger/entry.js';

export interface MemberModel {
  memberNo: string;
  storeId: string;
  /** head office acknowledged the enrolment: other stores' tills may now serve the member */
  visible: boolean;
  balance: number;
  entries: number;
}

export class ChainModel {
  readonly members = new Map<string, MemberModel>();
  /** enrolled and acknowledged, in that order */
  readonly visible: MemberModel[] = [];
  private readonly byStore = new Map<string, MemberModel[]>();
  private next = 0;

  /** `tag` keeps two runs against one head office apart (member numbers and till ids). */
  constructor(readonly tag: string) {}

  /** A new member number; its last 8 digits make the simulated phone, so they are unique per run. */
  newMember(storeId: string): MemberModel {
    const memberNo = `${this.tag}${String(++this.next).padStart(8, '0')}`;
    const m: MemberModel = { memberNo, storeId, visible: false, balance: 0, entries: 0 };
    this.members.set(memberNo, m);
    return m;
  }

  show(m: MemberModel): void {
    if (m.visible) return;
    m.visible = true;
    this.visible.push(m);
    const list = this.byStore.get(m.storeId);
    if (list) list.push(m);
    else this.byStore.set(m.storeId, [m]);
  }

  ofStore(storeId: string): readonly MemberModel[] {
    return this.byStore.get(storeId) ?? [];
  }

  record(entries: readonly LedgerEntry[]): void {
    for (const e of entries) {
      const m = this.members.get(e.memberNo);
      if (!m) throw new Error(`entry for a member the model does not hold: ${e.memberNo}`);
      m.balance += signedPoints(e);
      m.entries += 1;
    }
  }
}
