/**
 * A member of another store identified by mobile number (DOMAIN.md 2: lookup by card, NFC or
 * mobile number; DOMAIN.md 12: one member in every store). The change feed gives this till
 * another store's member without name and phone until it serves them, so a phone it does not
 * know is asked of head office, online, before identification's transaction (the transaction
 * never waits on the network). Head office answers the member with name and phone and from
 * then on counts this till as serving the member. Offline, or head office not answering: the
 * till answers as it always did (unknown_member).
 */
import { normalisePhone } from '../../core/members.js';
import { MemberLookupAnswer } from '../../core/sync/protocol.js';
import { HqUnreachableError, type HqAnswer } from '../sync/client.js';
import { storeHqMember } from '../sync/feed.js';
import type { TillContext } from './context.js';

/** Fetches and stores the member holding `rawPhone` when this till does not know the number. Never throws for head office. */
export async function memberFromHqByPhone(ctx: TillContext, rawPhone: string): Promise<void> {
  const phone = normalisePhone(rawPhone);
  const hq = ctx.hqMembers;
  if (!phone || !ctx.connected || !hq || !ctx.isOnline() || ctx.members.byPhone(phone)) return;
  let res: HqAnswer;
  try {
    res = await hq.lookupPhone(phone);
  } catch (e) {
    if (!(e instanceof HqUnreachableError)) throw e;
    ctx.log.log('warn', 'member_lookup_failed', { message: e.message });
    return;
  }
  if (res.status === 404) return;
  const parsed = res.status === 200 ? MemberLookupAnswer.safeParse(res.body) : null;
  if (!parsed?.success) {
    ctx.log.log('warn', 'member_lookup_failed', { status: res.status });
    return;
  }
  const a = parsed.data;
  const now = ctx.now().toISOString();
  const stored = ctx.db
    .transaction(() => {
      const out = storeHqMember(ctx, a.member, now);
      if (out === 'phone_clash' || out === 'erased') return out;
      ctx.members.setStatus(a.member.memberNo, a.member.status, now);
      ctx.hqState.setClass(a.member.memberNo, a.state.class);
      for (const c of a.cards) {
        const held = ctx.members.card(c.code);
        if (held && held.memberNo !== a.member.memberNo) continue;
        ctx.members.upsertCard(c.code, c.kind, a.member.memberNo, c.status, now);
      }
      return out;
    })
    .immediate();
  ctx.log.log('info', 'member_looked_up', { memberNo: a.member.memberNo, stored });
  // A member this till did not hold at all: the feed brings the merged state (balance, tier).
  if (stored === 'inserted') await hq.refresh();
}
