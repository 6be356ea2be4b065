/** What every route needs, wired once by createHeadOffice. */
import type { HqMetrics } from '../metrics.js';
import type { OperatorAuth } from '../auth/operator.js';
import type { ReplayCache } from '../auth/replay.js';
import type { BodyGate } from '../http/gate.js';
import type { Logger } from '../log.js';
import type { MessageChannel } from '../messages/channel.js';
import type { HqStore } from '../store/types.js';

export interface AppDeps {
  store: HqStore;
  /** this process's figures for `GET /metrics` (metrics.ts) */
  metrics: HqMetrics;
  log: Logger;
  now: () => Date;
  operator: OperatorAuth;
  version: string;
  /** signed sync requests already received (auth/replay.ts) */
  replays: ReplayCache;
  /** request bodies in flight per client address (http/gate.ts) */
  bodies: BodyGate;
  /**
   * TILL_HQ_PUBLIC_KEY as tills should hold it now: the key they verify head office's answers
   * with and, while a rotation is under way, the next one (answer-key.ts); read when asked, so
   * a key staged while head office serves is included
   */
  hqPublicKey: () => string;
  /** how messages reach members (messages/channel.ts); the simulated file channel by default */
  channel: MessageChannel;
  /** signs the member page's QR codes (member-qr-key.ts) */
  memberQrKey: Buffer;
  /** served over TLS: session cookies are Secure */
  tls: boolean;
  /**
   * Runs `task` once the reply being made is written, never before: work the answer must not
   * wait on, lest its duration tell something (a sign-in code's text, routes/me.ts). A failure
   * is logged under `name`; closing head office waits for the tasks under way.
   */
  afterReply(name: string, task: () => Promise<void>): void;
}
