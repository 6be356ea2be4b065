/** What every screen needs: the API, the language, the signed-in staff member and the programme. */
import { createContext, useContext } from 'react';
import { translate, type Lang, type MessageKey, type Params } from '../i18n/index.js';
import type { Api, Approval, ApprovalAction, Programme, StaffInfo } from '../lib/api.js';

export type T = (key: MessageKey, params?: Params) => string;

export interface AppContextValue {
  api: Api;
  lang: Lang;
  t: T;
  setLang(lang: Lang): void;
  staff: StaffInfo;
  programme: Programme;
  /** asks a supervisor for their PIN for one action; null when cancelled */
  requestApproval(action: ApprovalAction): Promise<Approval | null>;
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
