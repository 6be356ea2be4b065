/** The member page's calls to /v1/me/* (headoffice/routes/me.ts); the session is an HttpOnly cookie. */
export interface Name {
  zh: string;
  en: string;
}

export interface Me {
  memberNo: string;
  name: string;
  phone: string;
  balance: number;
  tier: { code: string; name: Name };
  nextTier: { code: string; name: Name; remaining: number } | null;
  rollingSpend: number;
  expiring: { on: string; points: number }[];
  offers: {
    campaignId: string;
    kind?: 'multiplier' | 'bonus' | 'coupon' | 'service';
    multiplierMilli: number;
    from: string;
    until: string;
    name: Name;
    /** what the offer gives (×2, 满¥200.00加送300分); absent from an older head office */
    terms?: Name;
  }[];
  coupons: { code: string; rewardId: string; value: number; validFrom: string; validTo: string }[];
  today: string;
}

export interface Qr {
  text: string;
  windowSeconds: number;
  refreshSeconds: number;
}

export interface SurveyInfo {
  storeId: string;
  storeName: string | null;
  saleDay: string;
  answered: boolean;
  signedIn: boolean;
}

export interface SurveyAnswered {
  answered: true;
  storeId: string;
  saleDay: string;
  memberLinked: boolean;
}

export type Channel = 'sms' | 'wechat' | 'email' | 'none';

export interface PreferenceValues {
  consentMarketing: boolean;
  preferredChannel: Channel;
  interests: string[];
}

export interface PreferenceChange {
  changeId: string;
  at: string;
  origin: 'till' | 'page';
  tillId: string | null;
  staffId: string | null;
  consentMarketing?: boolean;
  preferredChannel?: Channel;
  interests?: string[];
}

export interface MyPreferences {
  current: PreferenceValues;
  choices: { channels: { code: Channel; name: Name }[]; interests: { code: string; name: Name }[] };
  history: PreferenceChange[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
  if (!r.ok) {
    const e = (json.error ?? {}) as { code?: string; message?: string };
    throw new ApiError(r.status, e.code ?? 'error', e.message ?? `HTTP ${r.status}`, json);
  }
  return json as T;
}

export const api = {
  requestCode: (phone: string) => call<{ sent: true; expiresInSeconds: number }>('POST', '/v1/me/otp', { phone }),
  signIn: (phone: string, code: string) => call<{ memberNo: string }>('POST', '/v1/me/session', { phone, code }),
  signOut: () => call<{ signedOut: true }>('POST', '/v1/me/signout', {}),
  me: () => call<Me>('GET', '/v1/me'),
  qr: () => call<Qr>('GET', '/v1/me/qr'),
  survey: (token: string) => call<SurveyInfo>('GET', `/v1/me/survey?s=${encodeURIComponent(token)}`),
  answerSurvey: (token: string, score: number, comment: string) =>
    call<SurveyAnswered>('POST', '/v1/me/survey', { token, score, ...(comment.trim() ? { comment } : {}) }),
  preferences: () => call<MyPreferences>('GET', '/v1/me/preferences'),
  changePreferences: (p: Partial<PreferenceValues>) => call<MyPreferences>('POST', '/v1/me/preferences', p),
  leave: () => call<{ left: true; erasedAt: string }>('POST', '/v1/me/leave', { confirm: true }),
};
