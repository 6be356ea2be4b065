/** What every screen needs: the API, the language, the signed-in staff member and the programme. */
import { createContext, useContext } from 'react';
import { translate, type Lang, type MessageKey, type Params } from '../i18n/index.js';
import {
  ApiError,
  type Api,
  type Approval,
  type ApprovalAction,
  type MemberSummary,
  type Programme,
  type StaffInfo,
} from '../lib/api.js';
import type { IdentifyRequest } from './Checkout.js';

export type T = (key: MessageKey, params?: Params) => string;

export interface AppContextValue {
  api: Api;
  lang: Lang;
  t: T;
  setLang(lang: Lang): void;
  staff: StaffInfo;
  programme: Programme;
  /**
   * Identifies a member for a screen. Use this, not `api.identify`: the till publishes a `member`
   * event for every identification, and only this way does checkout know the event is the
   * screen's own and keep the member it shows.
   */
  identify(req: IdentifyRequest): Promise<MemberSummary>;
  /** asks a supervisor for their PIN for one action; null when cancelled */
  requestApproval(action: ApprovalAction): Promise<Approval | null>;
  /** a category's name in the screen's language: the rule set's, else the built-in, else the code */
  categoryName(code: string): string;
  /**
   * Asks a supervisor for their staff number and PIN and runs `run` with them; the dialog stays
   * open on a wrong PIN. null when cancelled; other refusals reject.
   */
  withSupervisor<R>(why: string, run: (staffId: string, pin: string) => Promise<R>): Promise<R | null>;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('AppContext missing');
  return v;
}

export function makeT(lang: Lang): T {
  return (key, params) => translate(lang, key, params);
}

/** Whether the signed-in staff member must ask a supervisor before redeeming this many points. */
export function needsSupervisor(staff: StaffInfo, programme: Programme, points: number): boolean {
  return staff.role === 'cashier' && points > programme.supervisorThreshold;
}

/**
 * Runs `call`; when the server asks for a supervisor the screen could not foresee (the member's
 * redemptions at this till over the last hour add up above the threshold), asks for one and
 * retries once with the approval. null: the supervisor dialog was cancelled.
 */
export async function withApprovalIfAsked<T>(
  requestApproval: AppContextValue['requestApproval'],
  action: ApprovalAction,
  approval: Approval | null,
  call: (approval: Approval | null) => Promise<T>,
): Promise<{ out: T; approval: Approval | null } | null> {
  try {
    return { out: await call(approval), approval };
  } catch (e) {
    if (approval || !(e instanceof ApiError) || e.code !== 'supervisor_required') throw e;
    const asked = await requestApproval(action);
    return asked ? { out: await call(asked), approval: asked } : null;
  }
}
