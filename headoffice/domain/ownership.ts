/**
 * Who may change a member at head office (issue 11, finding 1). Head office is the system of
 * record for personal data and card state; a till's upload is a request, judged here:
 *
 * | upload from till T of store S                         | head office                               |
 * | ----------------------------------------------------- | ----------------------------------------- |
 * | a member head office does not hold, enrolled by T at S | creates it                                |
 * | a member head office does not hold, enrolled elsewhere | refuses `not_enrolled_here`               |
 * | the record as head office holds it                     | nothing (a resend, or a card-only change) |
 * | a record of a member with withheld fields (the feed)   | nothing: the till never had them          |
 * | enrolledStore / enrolledTill differ from head office's | refuses `enrolment_is_fixed`              |
 * | personal fields of a member enrolled at S              | applies, dated by head office's clock     |
 * | personal fields of a member enrolled at another store  | refuses `not_member_store`                |
 * | a card block or a new card, T holds the member, staffId | applies, with T and the staff id          |
 * | a card unblock, T holds the member, staffId, dated after the block head office holds | applies |
 * | a new card of a member T enrolled (its enrolment's own) | applies, staff id if any                 |
 * | any other card change without a staff id              | refuses `no_staff_id`                     |
 * | any card change of a member T does not hold            | refuses `member_not_held`                 |
 *
 * T holds a member when the member is of T's store or head office holds an entry of T showing
 * T served them (store/members.ts `servingEntry`: a sale, a return, a redemption, a coupon or
 * service used; not bookkeeping such as expiry or tier steps). The till's `updatedAt` is never trusted: a date from 2099
 * would otherwise freeze the record against every later honest change.
 *
 * Card changes (judgeCardChange): the till uploads each card with `changedAt` (when it linked,
 * blocked or unblocked it) and `staffId` (who did: the approving supervisor when the till asked
 * for one, main/api/staff.ts). Head office keeps the staff id with the applied change
 * (cards.changed_by) and shows it in the member's view; a change nobody at the till answers for
 * is refused with `no_staff_id`, except the cards that came with the member's own enrolment at T
 * (the member-number barcode, a card scanned at enrolment through the POS, which may enrol
 * without a staff id). The staff id is the till's word: head office cannot check a till's staff
 * (they live at the till), so it attributes, it does not authenticate.
 */

/** The feed's placeholder for a name and phone (feed.ts); in core, so the till knows it too. */
export { WITHHELD_NAME, withheldPhone, isWithheld } from '../../core/sync/protocol.js';

export type RefusalReason =
  'not_enrolled_here' | 'enrolment_is_fixed' | 'not_member_store' | 'member_not_held' | 'no_staff_id';

export interface Uploader {
  tillId: string;
  storeId: string;
}

interface Enrolment {
  enrolledStore: string;
  enrolledTill: string;
}

export type MemberVerdict = { kind: 'write' } | { kind: 'refuse'; reason: RefusalReason };

/** A member record whose fields differ from what head office holds (or that it does not hold). */
export function judgeMemberChange(till: Uploader, upload: Enrolment, held: Enrolment | null): MemberVerdict {
  if (!held) {
    const ownEnrolment = upload.enrolledStore === till.storeId && upload.enrolledTill === till.tillId;
    return ownEnrolment ? { kind: 'write' } : { kind: 'refuse', reason: 'not_enrolled_here' };
  }
  if (upload.enrolledStore !== held.enrolledStore || upload.enrolledTill !== held.enrolledTill) {
    return { kind: 'refuse', reason: 'enrolment_is_fixed' };
  }
  if (held.enrolledStore !== till.storeId) return { kind: 'refuse', reason: 'not_member_store' };
  return { kind: 'write' };
}

/** A card as a till uploads it (core/sync/protocol.ts CardItem). */
interface CardUpload {
  code: string;
  status: 'active' | 'blocked';
  changedAt?: string | undefined;
  staffId?: string | null | undefined;
}

export type CardVerdict =
  | { kind: 'write' }
  | { kind: 'refuse'; reason: Extract<RefusalReason, 'member_not_held' | 'no_staff_id'>; detail: string };

/**
 * A card change head office does not hold yet (a new card, or a status other than the one it
 * holds), judged by the table above. `held`: head office's card of that code (null: new);
 * `holds`: T holds the member; `upload`: the member record the card came with.
 */
export function judgeCardChange(
  till: Uploader,
  card: CardUpload,
  held: { status: string } | null,
  holds: boolean,
  upload: Enrolment,
): CardVerdict {
  const what = held ? `card ${card.status}` : 'card linked';
  if (!holds)
    return { kind: 'refuse', reason: 'member_not_held', detail: `${what} for a member this till does not hold` };
  if (card.staffId) return { kind: 'write' };
  const enrolmentCard = !held && upload.enrolledStore === till.storeId && upload.enrolledTill === till.tillId;
  if (enrolmentCard) return { kind: 'write' };
  return { kind: 'refuse', reason: 'no_staff_id', detail: `${what} without the staff id of who did it` };
}
