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
 * | a card block or a new card, T holds the member         | applies, with T and the staff id          |
 * | a card unblock, T holds the member, dated after block  | applies                                   |
 * | any card change of a member T does not hold            | refuses `member_not_held`                 |
 *
 * T holds a member when the member is of T's store or head office holds ledger entries of T
 * for the member (T served them). The till's `updatedAt` is never trusted: a date from 2099
 * would otherwise freeze the record against every later honest change.
 */

/** The feed's placeholder for a name and phone (feed.ts); in core, so the till knows it too. */
export { WITHHELD_NAME, withheldPhone, isWithheld } from '../../core/sync/protocol.js';

export type RefusalReason = 'not_enrolled_here' | 'enrolment_is_fixed' | 'not_member_store' | 'member_not_held';

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
