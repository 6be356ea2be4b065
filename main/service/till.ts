/**
 * The composition root (ARCHITECTURE.md): createTill wires the database, the ledger, the
 * stores and the API server. Everything the till does is reachable from here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { createApiServer, type ApiServer } from '../api/server.js';
import { CouponStore } from '../db/coupons.js';
import { FieldCipher, loadOrCreateKeys } from '../db/crypto.js';
import { LedgerStore } from '../db/ledger.js';
import { MemberStore } from '../db/members.js';
import { OutboxStore } from '../db/outbox.js';
import { HqStateStore } from '../db/hqstate.js';
import { openDatabase } from '../db/open.js';
import { RuleSetStore } from '../db/rulesets.js';
import { SaleStore } from '../db/sales.js';
import { ConfigError, type TillConfig } from './config.js';
import type { TillContext } from './context.js';
import { EventBus } from './events.js';
import { getMeta, resolveIdentity, resolvePosApiKey, resolveQrKey } from './identity.js';
import { createLogger, type Logger } from './log.js';
import { SyncService } from '../sync/service.js';

export interface Till {
  ctx: TillContext;
  api: ApiServer;
  url: string;
  posApiKey: string;
  posApiKeyFile: string;
  /** null for a standalone till */
  sync: SyncService | null;
  close(): Promise<void>;
}

export interface TillOptions {
  now?: () => Date;
  logger?: Logger;
  /** quiet: no stderr log lines (tests) */
  quiet?: boolean;
}

export async function createTill(config: TillConfig, opts: TillOptions = {}): Promise<Till> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log =
    opts.logger ??
    createLogger({ level: config.logLevel, file: join(config.dataDir, 'till.log'), stderr: !opts.quiet });
  const db = openDatabase(join(config.dataDir, 'till.db'));
  const identity = resolveIdentity(db, config);
  const cipher = new FieldCipher(loadOrCreateKeys(join(config.dataDir, 'keys.json')));
  const rules = new RuleSetStore(db);
  if (rules.isEmpty()) rules.put(DEFAULT_RULE_SET_INPUT, new Date().toISOString());
  const pos = resolvePosApiKey(config.dataDir, config.posApiKey);
  const ctx: TillContext = {
    db,
    identity,
    ledger: new LedgerStore(db, identity.tillId),
    members: new MemberStore(db, cipher),
    rules,
    sales: new SaleStore(db),
    coupons: new CouponStore(db),
    outbox: new OutboxStore(db),
    hqState: new HqStateStore(db),
    connected: config.hqUrl !== null,
    syncStatus: () => null,
    isOnline: () => {
      const last = getMeta(db, 'last_sync_at');
      if (config.hqUrl === null || last === null) return false;
      const rs = rules.at(new Date().toISOString());
      return (
        (opts.now ?? (() => new Date()))().getTime() - Date.parse(last) < rs.redemption.offlineAfterMinutes * 60_000
      );
    },
    cipher,
    events: new EventBus(),
    log,
    qrKey: resolveQrKey(db),
    now: opts.now ?? (() => new Date()),
    lastSyncAt: () => getMeta(db, 'last_sync_at'),
  };
  let sync: SyncService | null = null;
  if (config.hqUrl) {
    if (!config.tillId || !config.tillSecret) {
      throw new ConfigError('TILL_HQ_URL needs TILL_ID and TILL_SECRET (from `npm run headoffice -- add-till`)');
    }
    sync = new SyncService(ctx, {
      hqUrl: config.hqUrl,
      tillId: config.tillId,
      secret: config.tillSecret,
      intervalMs: config.syncIntervalMs,
    });
    ctx.syncStatus = () => sync?.status() ?? null;
  }
  const api = createApiServer(ctx, { posApiKey: pos.key, hqUrl: config.hqUrl });
  const url = await api.listen(config.port, config.host);
  sync?.start();
  log.log('info', 'till_started', { tillId: identity.tillId, storeId: identity.storeId, url });
  return {
    ctx,
    api,
    url,
    posApiKey: pos.key,
    posApiKeyFile: pos.file,
    sync,
    async close() {
      await sync?.stop();
      await api.close();
      db.close();
    },
  };
}
