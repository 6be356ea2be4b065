/** What every route needs, wired once by createHeadOffice. */
import type { OperatorAuth } from '../auth/operator.js';
import type { ReplayCache } from '../auth/replay.js';
import type { BodyGate } from '../http/gate.js';
import type { Logger } from '../log.js';
import type { HqStore } from '../store/types.js';

export interface AppDeps {
  store: HqStore;
  log: Logger;
  now: () => Date;
  operator: OperatorAuth;
  version: string;
  /** signed sync requests already received (auth/replay.ts) */
  replays: ReplayCache;
  /** request bodies in flight per client address (http/gate.ts) */
  bodies: BodyGate;
  /** TILL_HQ_PUBLIC_KEY: the key tills verify head office's answers with (crypto.ts) */
  hqPublicKey: string;
}
