/**
 * The member's own page API (issue 15 item 4, docs/member-page.md):
 *
 *   POST /v1/me/otp       {phone}        a one-time code to the member's phone (always "sent")
 *   POST /v1/me/session   {phone, code}  signs in: Set-Cookie lm_session (HttpOnly, SameSite=Strict)
 *   POST /v1/me/signout                  ends the session
 *   GET  /v1/me                          balance, tier and progress, expiring points, offers, coupons
 *   GET  /v1/me/qr                       the dynamic signed member QR text (core/cards/memberqr.ts)
 */
import { signMemberQr } from '../../core/cards/memberqr.js';
import { normalisePhone } from '../../core/members.js';
import { OTP_TTL_MS } from '../domain/otp.js';
import { MeAnswer, OtpRequest, QrAnswer, SessionRequest } from '../member-schemas.js';
import { readJson } from '../http/body.js';
import { HttpError, invalid } from '../http/errors.js';
import type { RequestContext, Router } from '../http/router.js';
import { MEMBER_SESSION_MS } from '../store/memberpage.js';
import type { AppDeps } from './deps.js';

export const SESSION_COOKIE = 'lm_session';
/** DECISION: the page asks for a new QR code this often; the code itself lives 2-3 windows (memberqr.ts). */
export const QR_REFRESH_SECONDS = 30;

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

export function meRoutes(router: Router, app: AppDeps): void {
  router.add('POST', '/v1/me/otp', async (ctx) => {
    const parsed = OtpRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const phone = phoneOf(parsed.data.phone);
    const now = app.now();
    const out = await app.store.requestOtp(phone, now);
    if (out.kind === 'rate_limited') {
      throw new HttpError(429, 'otp_rate_limited', `wait ${out.retryAfterSeconds} s before asking for another code`, {
        retryAfterSeconds: out.retryAfterSeconds,
      });
    }
    if (out.kind === 'sent') {
      // Transactional: no consent or quiet-hours rule applies (domain/messages.ts).
      const result = await app.channel.send(phone, out.text);
      await app.store.markMessage(out.memberNo, out.messageId, app.channel.name, result, app.now());
      // Neither the phone nor the code is logged.
      app.log.log(result.ok ? 'info' : 'warn', 'member_otp_sent', { memberNo: out.memberNo, ok: result.ok });
    }
    return { status: 202, body: { sent: true, expiresInSeconds: OTP_TTL_MS / 1000 } };
  });

  router.add('POST', '/v1/me/session', async (ctx) => {
    const parsed = SessionRequest.safeParse(await readJson(ctx.req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const phone = phoneOf(parsed.data.phone);
    const out = await app.store.verifyOtp(phone, parsed.data.code, app.now());
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
    return { status: 200, body: QrAnswer.parse({ text, windowSeconds, refreshSeconds: QR_REFRESH_SECONDS }) };
  });
}
