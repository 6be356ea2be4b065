/**
 * The member's own page API (issue 15 item 4, docs/member-page.md):
 *
 *   POST /v1/me/otp       {phone}        a one-time code to the member's phone (always "sent")
 *   POST /v1/me/session   {phone, code}  signs in: Set-Cookie lm_session (HttpOnly, SameSite=Strict)
 *   POST /v1/me/signout                  ends the session
 *   GET  /v1/me                          balance, tier and progress, expiring points, offers, coupons
 *   GET  /v1/me/qr                       the dynamic signed member QR text (core/cards/memberqr.ts)
 *   GET  /v1/me/preferences              consent, channel, interests, the choices and the history
 *   POST /v1/me/preferences  {...}       changes them (store/preferences.ts; origin "member page")
 *   POST /v1/me/leave        {confirm}   leaves the programme: the operators' erasure, then signs out
 *
 * Anyone may call the first two, so every body here is read small and through the per-address
 * gate (http/small-body.ts), never with the tills' 20 MB allowance. A code belongs to the number
 * and the client address that asked for it (http/client-address.ts, domain/otp.ts's limits).
 */
import { signMemberQr } from '../../core/cards/memberqr.js';
import { normalisePhone } from '../../core/members.js';
import { OTP_CLIENT_LIMIT, OTP_TTL_MS } from '../domain/otp.js';
import {
  LeaveAnswer,
  LeaveRequest,
  MeAnswer,
  OtpRequest,
  PreferencesAnswer,
  PreferencesRequest,
  QrAnswer,
  SessionRequest,
  preferenceChoices,
} from '../member-schemas.js';
import type { MemberPreferences } from '../store/preferences.js';
import { clientOf } from '../http/client-address.js';
import { requestClient } from '../http/proxies.js';
import { sendThrough } from '../messages/channel.js';
import { HttpError, invalid } from '../http/errors.js';
import { readPublicJson, refuseCrossOrigin } from '../http/small-body.js';
import type { RequestContext, Router } from '../http/router.js';
import { MEMBER_SESSION_MS, type OtpRequestOutcome } from '../store/memberpage.js';
import type { AppDeps } from './deps.js';

export const SESSION_COOKIE = 'lm_session';
/** DECISION: the page asks for a new QR code this often; the code itself lives 2-3 windows (memberqr.ts). */
export const QR_REFRESH_SECONDS = 30;

/**
 * How often the page asks for a new code under a rule set's window: every 30 s, but at least
 * twice a window. A code is accepted for at least one window after it is made (memberqr.ts,
 * skew 1), so the code on the phone stays valid with half a window to spare for a slow network;
 * a 15 s window refreshed every 30 s would show an expired code part of the time.
 */
export function qrRefreshSeconds(windowSeconds: number): number {
  return Math.min(QR_REFRESH_SECONDS, Math.max(5, Math.floor(windowSeconds / 2)));
}

function cookie(app: AppDeps, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/v1/me',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(app.tls ? ['Secure'] : []),
  ].join('; ');
}

function tokenOf(ctx: RequestContext): string | null {
  for (const part of (ctx.req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=');
  }
  return null;
}

/** The signed-in member, or null: for pages that also serve people not signed in (the survey). */
export async function memberOf(app: AppDeps, ctx: RequestContext): Promise<string | null> {
  const token = tokenOf(ctx);
  return token ? await app.store.memberSession(token, app.now()) : null;
}

async function signedIn(app: AppDeps, ctx: RequestContext): Promise<string> {
  const token = tokenOf(ctx);
  const memberNo = token ? await app.store.memberSession(token, app.now()) : null;
  if (!memberNo) throw new HttpError(401, 'not_signed_in', 'sign in with your phone and a one-time code');
  return memberNo;
}

function phoneOf(raw: string): string {
  const phone = normalisePhone(raw);
  if (!phone) throw new HttpError(400, 'invalid_phone', 'not a mainland mobile number', {}, 'phone');
  return phone;
}

/** DECISION: erasure from the member page is attributed to this "operator" (operator_actions). */
export const MEMBER_PAGE_ACTOR = 'member-page';

function preferencesBody(p: MemberPreferences): unknown {
  return PreferencesAnswer.parse({ ...p, choices: preferenceChoices() });
}

/** Texts a sign-in code and records the outcome. Transactional: no consent or quiet-hours rule applies (domain/messages.ts). */
async function sendCode(app: AppDeps, phone: string, otp: Extract<OtpRequestOutcome, { kind: 'sent' }>): Promise<void> {
  const result = await sendThrough(app.channel, phone, otp.text);
  await app.store.markMessage(otp.memberNo, otp.messageId, app.channel.name, result, app.now());
  // Neither the phone nor the code is logged.
  app.log.log(result.ok ? 'info' : 'warn', 'member_otp_sent', {
    memberNo: otp.memberNo,
    ok: result.ok,
    ...(result.ok ? {} : { code: result.code }),
  });
}

export function meRoutes(router: Router, app: AppDeps): void {
  router.add('POST', '/v1/me/otp', async (ctx) => {
    const parsed = OtpRequest.safeParse(await readPublicJson(ctx.req, app.bodies));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const phone = phoneOf(parsed.data.phone);
    const now = app.now();
    const out = await app.store.requestOtp(phone, clientOf(ctx.req), now);
    if (out.kind === 'rate_limited') {
      throw new HttpError(429, 'otp_rate_limited', `wait ${out.retryAfterSeconds} s before asking for another code`, {
        retryAfterSeconds: out.retryAfterSeconds,
      });
    }
    if (out.kind === 'client_limited') {
      // Counted over every number, member or not: says nothing of this one. The address (not the
      // number) is logged, for an operator who would block it at the firewall.
      app.log.log('warn', 'member_otp_client_limited', { remote: requestClient(ctx.req) ?? null });
      throw new HttpError(
        429,
        'too_many_code_requests',
        `at most ${OTP_CLIENT_LIMIT.perWindow} codes an hour from one address; wait ${out.retryAfterSeconds} s`,
        { retryAfterSeconds: out.retryAfterSeconds },
      );
    }
    // Answered before any text goes (a member's after the answer, a decoy's never): how long the
    // answer takes tells no one whether a member holds the number.
    if (out.kind === 'sent') app.afterReply('member_otp_send', () => sendCode(app, phone, out));
    return { status: 202, body: { sent: true, expiresInSeconds: OTP_TTL_MS / 1000 } };
  });

  router.add('POST', '/v1/me/session', async (ctx) => {
    const parsed = SessionRequest.safeParse(await readPublicJson(ctx.req, app.bodies));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const phone = phoneOf(parsed.data.phone);
    const out = await app.store.verifyOtp(phone, parsed.data.code, clientOf(ctx.req), app.now());
    switch (out.kind) {
      case 'ok':
        app.log.log('info', 'member_signed_in', { memberNo: out.memberNo });
        return {
          status: 200,
          body: { memberNo: out.memberNo },
          headers: { 'set-cookie': cookie(app, out.token, MEMBER_SESSION_MS / 1000) },
        };
      case 'wrong':
        throw new HttpError(401, 'wrong_code', 'that code is not right', { triesLeft: out.triesLeft }, 'code');
      case 'expired':
        throw new HttpError(401, 'code_expired', 'the code has expired; ask for a new one', {}, 'code');
      case 'none':
        throw new HttpError(401, 'no_code', 'no code is waiting for this number; ask for one', {}, 'code');
    }
  });

  router.add('POST', '/v1/me/signout', async (ctx) => {
    refuseCrossOrigin(ctx.req);
    const token = tokenOf(ctx);
    if (token) await app.store.endMemberSession(token);
    return { status: 200, body: { signedOut: true }, headers: { 'set-cookie': cookie(app, '', 0) } };
  });

  router.add('GET', '/v1/me', async (ctx) => {
    const memberNo = await signedIn(app, ctx);
    const home = await app.store.memberHome(memberNo, app.now());
    if (!home) throw new HttpError(401, 'not_signed_in', 'sign in again');
    return { status: 200, body: MeAnswer.parse(home) };
  });

  router.add('GET', '/v1/me/qr', async (ctx) => {
    const memberNo = await signedIn(app, ctx);
    const now = app.now();
    const rs = await app.store.ruleSetInForce(now);
    const windowSeconds = rs.cards.qrWindowSeconds;
    const text = signMemberQr(app.memberQrKey, memberNo, now.getTime(), windowSeconds);
    return {
      status: 200,
      body: QrAnswer.parse({ text, windowSeconds, refreshSeconds: qrRefreshSeconds(windowSeconds) }),
    };
  });

  router.add('GET', '/v1/me/preferences', async (ctx) => {
    const memberNo = await signedIn(app, ctx);
    const p = await app.store.memberPreferences(memberNo);
    if (!p) throw new HttpError(401, 'not_signed_in', 'sign in again');
    return { status: 200, body: preferencesBody(p) };
  });

  router.add('POST', '/v1/me/preferences', async (ctx) => {
    const memberNo = await signedIn(app, ctx);
    const parsed = PreferencesRequest.safeParse(await readPublicJson(ctx.req, app.bodies));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const { consentMarketing, preferredChannel, interests } = parsed.data;
    const out = await app.store.changeMemberPreferences(
      memberNo,
      {
        ...(consentMarketing === undefined ? {} : { consentMarketing }),
        ...(preferredChannel === undefined ? {} : { preferredChannel }),
        ...(interests === undefined ? {} : { interests }),
      },
      app.now(),
    );
    switch (out.kind) {
      case 'changed':
        // What changed is the member's own business; the log says only that something did.
        app.log.log('info', 'member_preferences_changed', { memberNo, origin: 'page' });
        return { status: 200, body: preferencesBody(out.preferences) };
      case 'refused':
        switch (out.error.code) {
          case 'nothing_to_change':
            throw new HttpError(422, 'nothing_to_change', 'these are the preferences already');
          case 'unknown_interest':
            throw new HttpError(
              422,
              'unknown_interest',
              `not an interest on the list: ${out.error.interest}`,
              {},
              'interests',
            );
          default: {
            const never: never = out.error;
            throw new Error(`unknown refusal ${JSON.stringify(never)}`);
          }
        }
      case 'unknown':
        throw new HttpError(401, 'not_signed_in', 'sign in again');
      default: {
        const never: never = out;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
  });

  router.add('POST', '/v1/me/leave', async (ctx) => {
    const memberNo = await signedIn(app, ctx);
    const parsed = LeaveRequest.safeParse(await readPublicJson(ctx.req, app.bodies));
    if (!parsed.success) throw invalid('confirm_required', parsed.error);
    // The very erasure an operator runs (store/privacy.ts): here, then every till through the feed.
    const out = await app.store.eraseMember(
      memberNo,
      { operatorId: MEMBER_PAGE_ACTOR, reason: 'the member left the programme on the member page' },
      app.now(),
    );
    if (out.kind === 'unknown') throw new HttpError(401, 'not_signed_in', 'sign in again');
    app.log.log('info', 'member_left', { memberNo });
    return {
      status: 200,
      body: LeaveAnswer.parse({ left: true, erasedAt: out.erasedAt }),
      headers: { 'set-cookie': cookie(app, '', 0) },
    };
  });
}
