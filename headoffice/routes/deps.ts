/** What every route needs, wired once by createHeadOffice. */
import type { OperatorAuth } from '../auth/operator.js';
import type { Logger } from '../log.js';
import type { HqStore } from '../store/types.js';

export interface AppDeps {
  store: HqStore;
  log: Logger;
  now: () => Date;
  operator: OperatorAuth;
  version: string;
}
