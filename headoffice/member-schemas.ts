/** The member's own page API (/v1/me/*, routes/me.ts, docs/member-page.md): zod schemas, also in OpenAPI. */
import { z } from 'zod';
import { CHANNEL_LABELS, INTEREST_CATEGORIES, INTEREST_LABELS, MEMBER_CHANNELS } from '../core/preferences.js';
import { PreferenceHistoryItem, Preferences } from './api-schemas.js';

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
    expiring: z
      .array(z.object({ on: z.string(), points: z.number().int() }))
      .describe('within the next 60 days (DOMAIN.md 7)'),
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

/** What the preferences screen offers: every channel and the fixed interest list, with labels. */
const Choices = z.object({
  channels: z.array(z.object({ code: z.enum(MEMBER_CHANNELS), name: Name })),
  interests: z.array(z.object({ code: z.enum(INTEREST_CATEGORIES), name: Name })),
});

export const PreferencesAnswer = z
  .object({
    current: Preferences,
    choices: Choices,
    history: z.array(PreferenceHistoryItem).describe('every change, oldest first, with when and where it was made'),
  })
  .meta({ id: 'MePreferencesAnswer' });

export const PreferencesRequest = z
  .object({
    consentMarketing: z.boolean().optional(),
    preferredChannel: z.enum(MEMBER_CHANNELS).optional(),
    interests: z
      .array(z.string().max(32))
      .max(INTEREST_CATEGORIES.length * 2)
      .optional(),
  })
  .strict()
  .meta({ id: 'MePreferencesRequest' });

export const LeaveRequest = z
  .object({
    confirm: z.literal(true).describe('the page asked the member to confirm; without it nothing happens'),
  })
  .strict()
  .meta({ id: 'MeLeaveRequest' });

export const LeaveAnswer = z
  .object({ left: z.literal(true), erasedAt: z.string() })
  .meta({ id: 'MeLeaveAnswer', description: 'with Set-Cookie clearing the session' });

export function preferenceChoices(): z.output<typeof Choices> {
  return {
    channels: MEMBER_CHANNELS.map((code) => ({ code, name: CHANNEL_LABELS[code] })),
    interests: INTEREST_CATEGORIES.map((code) => ({ code, name: INTEREST_LABELS[code] })),
  };
}
