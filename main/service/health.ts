/** /v1/health: what store IT and the POS need to know at a glance. */
import type { HealthResponse } from '../api/schemas.js';
import { getMeta } from './identity.js';
import type { TillContext } from './context.js';
import { TILL_VERSION } from './version.js';

const NO_PRINTER: HealthResponse['printer'] = {
  configured: false,
  target: null,
  state: 'none',
  paperLow: false,
  queuedJobs: 0,
  lastError: null,
  checkedAt: null,
  lastPrintedAt: null,
};

/** Card readers' states, registered by the device manager (main/devices) of each till. */
const deviceStatus = new WeakMap<TillContext, () => HealthResponse['devices']>();

export function registerDeviceStatus(ctx: TillContext, source: () => HealthResponse['devices']): void {
  deviceStatus.set(ctx, source);
}

export function health(ctx: TillContext, hqUrl: string | null): HealthResponse {
  const head = ctx.ledger.headOf();
  const acked = Number(getMeta(ctx.db, 'hq_ack_seq') ?? '0');
  const lastSyncAt = ctx.lastSyncAt();
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const online = ctx.isOnline();
  const sync = ctx.syncStatus();
  return {
    tillId: ctx.identity.tillId,
    storeId: ctx.identity.storeId,
    version: TILL_VERSION,
    online,
    mode: hqUrl ? 'connected' : 'standalone',
    lastSyncAt,
    entriesWaiting: sync ? sync.waiting : Math.max(0, head.seq - acked),
    syncProblem: sync?.problem ?? null,
    ruleVersion: rs.version,
    members: ctx.members.count(),
    sales: ctx.sales.count(),
    printer: ctx.receipts?.printerHealth() ?? NO_PRINTER,
    devices: deviceStatus.get(ctx)?.() ?? [],
  };
}
