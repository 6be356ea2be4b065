/**
 * A member's preferences at the till (issue 15 item 6, docs/pos-api.md "Preferences"):
 *
 *   GET  /v1/staff/members/{memberNo}/preferences   consent, channel, interests, the choices,
 *                                                   this till's changes
 *   POST /v1/staff/members/{memberNo}/preferences   changes any of them
 *
 * Staff only (signed in with their PIN, like every other change to a member at the till): the
 * change is kept with the staff id and the till id, uploaded to head office and from there sent
 * to every till.
 */
import { z } from 'zod';
import {
  CHANNEL_LABELS,
  INTEREST_CATEGORIES,
  INTEREST_LABELS,
  MEMBER_CHANNELS,
  type Preferences,
} from '../../core/preferences.js';
import { changePreferences, readPreferences, type TillPreferences } from '../service/preferences.js';
import type { Route } from './routes.js';
import { staffOnly } from './staff-routes.js';

const Name = z.object({ zh: z.string(), en: z.string() });

export const PreferencesRequest = z
  .object({
    consentMarketing: z.boolean().optional().describe('marketing messages (营销信息) allowed'),
    preferredChannel: z.enum(MEMBER_CHANNELS).optional(),
    interests: z
      .array(z.string().max(32))
      .max(INTEREST_CATEGORIES.length * 2)
      .optional()
      .describe('codes from the fixed list (choices.interests); replaces the whole list'),
  })
  .strict()
  .meta({ id: 'PreferencesRequest' });

export const PreferencesView = z
  .object({
    memberNo: z.string(),
    current: z.object({
      consentMarketing: z.boolean(),
      preferredChannel: z.enum(MEMBER_CHANNELS),
      interests: z.array(z.string()),
    }),
    choices: z.object({
      channels: z.array(z.object({ code: z.enum(MEMBER_CHANNELS), name: Name })),
      interests: z.array(z.object({ code: z.enum(INTEREST_CATEGORIES), name: Name })),
    }),
    changes: z
      .array(
        z.object({
          changeId: z.string(),
          at: z.string(),
          staffId: z.string(),
          consentMarketing: z.boolean().optional(),
          preferredChannel: z.enum(MEMBER_CHANNELS).optional(),
          interests: z.array(z.string()).optional(),
          confirmed: z.boolean().nullable().describe('head office has it; null on a till without head office'),
        }),
      )
      .describe("this till's changes for the member, newest first"),
  })
  .meta({ id: 'PreferencesView' });

function view(p: TillPreferences): z.output<typeof PreferencesView> {
  return {
    ...p,
    choices: {
      channels: MEMBER_CHANNELS.map((code) => ({ code, name: CHANNEL_LABELS[code] })),
      interests: INTEREST_CATEGORIES.map((code) => ({ code, name: INTEREST_LABELS[code] })),
    },
  };
}

export function preferenceRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/staff/members/{memberNo}/preferences',
      operationId: 'getMemberPreferences',
      summary: "A member's marketing consent, preferred channel and interests, with this till's changes",
      response: PreferencesView,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        staffOnly(input);
        return { status: 200, body: view(readPreferences(ctx, input.params.memberNo ?? '')) };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/members/{memberNo}/preferences',
      operationId: 'changeMemberPreferences',
      summary:
        "Change a member's consent, channel or interests (kept with the staff id and time; reaches head office and every till)",
      request: PreferencesRequest,
      response: PreferencesView,
      successStatus: 200,
      handle: (ctx, body, input) => {
        const s = staffOnly(input);
        const req = PreferencesRequest.parse(body);
        const requested: Partial<Preferences> = {
          ...(req.consentMarketing === undefined ? {} : { consentMarketing: req.consentMarketing }),
          ...(req.preferredChannel === undefined ? {} : { preferredChannel: req.preferredChannel }),
          ...(req.interests === undefined ? {} : { interests: req.interests }),
        };
        return { status: 200, body: view(changePreferences(ctx, input.params.memberNo ?? '', requested, s.staffId)) };
      },
    },
  ];
}
