/**
 * Applies head office's change feed to the till, in one transaction per page, and advances
 * the cursor in the same transaction so a crash never skips or half-applies a page.
 */
import type { Change } from '../../core/sync/protocol.js';
import { eraseFeedbackOf } from '../db/feedback.js';
import type { TillContext } from '../service/context.js';
import { setMeta } from '../service/identity.js';

export function applyChanges(ctx: TillContext, changes: readonly Change[], cursor: number): { applied: number } {
  const now = ctx.now().toISOString();
  return ctx.db
    .transaction(() => {
      let applied = 0;
      for (const c of changes) {
        switch (c.type) {
          case 'member': {
            const m = c.member;
            if (!ctx.members.get(m.memberNo)) {
              // A member enrolled at another till: the phone must be unique here too.
              if (ctx.members.phoneTaken(m.phone)) {
                ctx.log.log('warn', 'feed_member_phone_clash', { memberNo: m.memberNo });
                break;
              }
              ctx.members.insert({
                memberNo: m.memberNo,
                name: m.name,
                phone: m.phone,
                birthday: m.birthday,
                gender: m.gender,
                ageBand: m.ageBand ?? null,
                preferredChannel: m.preferredChannel,
                interests: m.interests,
                consentMarketing: m.consentMarketing,
                consentText: m.consentText,
                consentAt: m.consentAt,
                referrerMemberNo: m.referrerMemberNo ?? null,
                enrolledStore: m.enrolledStore,
                enrolledTill: m.enrolledTill,
                enrolledBy: m.enrolledBy,
              });
              applied++;
            }
            ctx.members.setStatus(m.memberNo, m.status, now);
            if (c.state) ctx.hqState.setClass(m.memberNo, c.state.class);
            break;
          }
          case 'card':
            if (ctx.members.get(c.memberNo)) {
              ctx.members.upsertCard(c.code, c.kind, c.memberNo, c.status, now);
              applied++;
            }
            break;
          case 'balance':
            ctx.hqState.put({
              memberNo: c.memberNo,
              balance: c.balance,
              available: c.available,
              tier: c.tier,
              class: null,
              confirmedAt: c.confirmedAt,
              includedSeq: c.includes[ctx.identity.tillId] ?? 0,
              state: c.state ?? null,
              cursor: c.cursor,
            });
            // Coupons are known chain-wide (DOMAIN.md 12): index every coupon of the member by code.
            for (const [code, k] of Object.entries(c.state?.coupons ?? {})) ctx.coupons.known(code, c.memberNo, k);
            applied++;
            break;
          case 'ruleset':
            ctx.rules.put(c.ruleSet, now);
            applied++;
            break;
          case 'erasure':
            if (ctx.members.erase(c.memberNo, c.erasedAt, now)) {
              eraseFeedbackOf(ctx.db, ctx.cipher, c.memberNo);
              ctx.log.log('info', 'member_erased', { memberNo: c.memberNo });
              applied++;
            }
            break;
          default: {
            const never: never = c;
            throw new Error(`unknown change ${JSON.stringify(never)}`);
          }
        }
      }
      setMeta(ctx.db, 'hq_change_cursor', String(cursor));
      return { applied };
    })
    .immediate();
}
