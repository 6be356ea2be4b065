/** /v1/health: what store IT, the POS and the cashier's status bar need to know at a glance. */
import { storeName } from '../../core/ruleset/names.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
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

/**
 * When the oldest thing head office has not acknowledged was recorded. Sales, returns, members
 * and cards wait as outbox rows (their recording time); ledger entries written without one
 * (adjustments, rewards, expiry) are dated by their own occurredAt, which is their recording time.
 */
export function oldestWaitingAt(ctx: TillContext): string | null {
  const ackSeq = Number(getMeta(ctx.db, 'hq_ack_seq') ?? '0');
  const ackOutbox = Number(getMeta(ctx.db, 'hq_ack_outbox') ?? '0');
  const record = ctx.db
    .prepare('SELECT created_at AS at FROM outbox WHERE id > ? ORDER BY id LIMIT 1')
    .get(ackOutbox) as { at: string } | undefined;
  const entry = ctx.db
    .prepare(
      'SELECT occurred_at AS at FROM ledger WHERE seq > ? AND sale_id IS NULL AND return_id IS NULL ORDER BY seq LIMIT 1',
    )
    .get(ackSeq) as { at: string } | undefined;
  const times = [record?.at, entry?.at].filter((t): t is string => t !== undefined);
  if (times.length === 0) return null;
  return new Date(Math.min(...times.map((t) => Date.parse(t)))).toISOString();
}

function storeNameOf(ctx: TillContext, rs: RuleSet): HealthResponse['storeName'] {
  const configured = ctx.receipts?.configuredStoreName?.() ?? null;
  if (configured) return { zh: configured, en: configured };
  return storeName(rs, ctx.identity.storeId);
}

export function health(ctx: TillContext, hqUrl: string | null): HealthResponse {
  const head = ctx.ledger.headOf();
  const acked = Number(getMeta(ctx.db, 'hq_ack_seq') ?? '0');
  const lastSyncAt = ctx.lastSyncAt();
  const now = ctx.now();
  const rs = ctx.rules.at(now.toISOString());
  const online = ctx.isOnline();
  const sync = ctx.syncStatus();
  const waiting = sync ? sync.waiting : Math.max(0, head.seq - acked);
  // A standalone till has no head office to wait for.
  const oldest = hqUrl && waiting > 0 ? oldestWaitingAt(ctx) : null;
  return {
    tillId: ctx.identity.tillId,
    storeId: ctx.identity.storeId,
    version: TILL_VERSION,
    online,
    mode: hqUrl ? 'connected' : 'standalone',
    lastSyncAt,
    entriesWaiting: waiting,
    syncProblem: sync?.problem ?? null,
    oldestWaitingAt: oldest,
    oldestWaitingSeconds: oldest ? Math.max(0, Math.floor((now.getTime() - Date.parse(oldest)) / 1000)) : null,
    redemptionLock: ctx.redemptions.lock(),
    storeName: storeNameOf(ctx, rs),
    ruleVersion: rs.version,
    members: ctx.members.count(),
    sales: ctx.sales.count(),
    printer: ctx.receipts?.printerHealth() ?? NO_PRINTER,
    devices: deviceStatus.get(ctx)?.() ?? [],
  };
}
