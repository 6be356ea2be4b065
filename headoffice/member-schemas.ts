/** The member's own page API (/v1/me/*, routes/me.ts, docs/member-page.md): zod schemas, also in OpenAPI. */
import { z } from 'zod';

const Name = z.object({ zh: z.string(), en: z.string() });

export const OtpRequest = z
  .object({ phone: z.string().min(1).max(40).describe('mainland mobile number; +86, spaces and dashes allowed') })
  .strict()
  .meta({ id: 'MeOtpRequest' });

export const OtpAnswer = z
  .object({
    sent: z.literal(true).describe('also when no member holds the number: the answer never tells who is a member'),
    expiresInSeconds: z.number().int(),
  })
  .meta({ id: 'MeOtpAnswer' });

export const SessionRequest = z
  .object({ phone: z.string().min(1).max(40), code: z.string().regex(/^\d{6}$/) })
  .strict()
  .meta({ id: 'MeSessionRequest' });

export const SessionAnswer = z.object({ memberNo: z.string() }).meta({
  id: 'MeSessionAnswer',
  description: 'with Set-Cookie: the session (HttpOnly, SameSite=Strict, Secure over TLS)',
});

export const SignOutAnswer = z.object({ signedOut: z.literal(true) }).meta({ id: 'MeSignOutAnswer' });

export const MeAnswer = z
  .object({
    memberNo: z.string(),
    name: z.string().describe('masked'),
    phone: z.string().describe('masked'),
    balance: z.number().int().describe('points that may be spent now'),
    tier: z.object({ code: z.string(), name: Name }),
    nextTier: z
      .object({ code: z.string(), name: Name, remaining: z.number().int().describe('spend still needed, fen') })
      .nullable()
      .describe('null at the top tier'),
    rollingSpend: z.number().int().describe('fen over the last 12 months'),
    expiring: z.array(z.object({ on: z.string(), points: z.number().int() })).describe('within the next 30 days'),
    offers: z.array(
      z.object({
        campaignId: z.string(),
        kind: z.enum(['multiplier', 'bonus', 'coupon', 'service']).describe('docs/campaigns.md "Offer kinds"'),
        multiplierMilli: z.number().int().describe('1000 on the kinds that multiply nothing'),
        from: z.string(),
        until: z.string(),
        name: Name,
        terms: Name.describe('what it gives: ×2, 满¥200.00加送300分, 免费洗车'),
      }),
    ),
    coupons: z.array(
      z.object({
        code: z.string(),
        rewardId: z.string(),
        value: z.number().int(),
        validFrom: z.string(),
        validTo: z.string(),
      }),
    ),
    today: z.string().describe("the programme's local date"),
  })
  .meta({ id: 'MeAnswer' });

export const QrAnswer = z
  .object({
    text: z.string().describe('LM1.<memberNo>.<window>.<sig> (core/cards/memberqr.ts), what the QR code carries'),
    windowSeconds: z.number().int(),
    refreshSeconds: z.number().int().describe('the page asks again this often'),
  })
  .meta({ id: 'MeQrAnswer' });
