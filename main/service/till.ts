/**
 * The composition root (ARCHITECTURE.md): createTill wires the database, the ledger, the
 * stores and the API server. Everything the till does is reachable from here.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { createApiServer, type ApiServer } from '../api/server.js';
import { DeviceManager, type DeviceManagerOptions } from '../devices/manager.js';
import { deviceRoutes } from '../devices/routes.js';
import { deviceSettingsRoutes, resolveScanners } from '../devices/settings-routes.js';
import { receiptRoutes } from '../receipts/routes.js';
import { PrintService, type PrintServiceOptions } from '../receipts/service.js';
import { PosKey, StaffAuth } from '../api/staff.js';
import { staffRoutes } from '../api/staff-routes.js';
import { CouponStore } from '../db/coupons.js';
import { RewardStockStore } from '../db/reward-stock.js';
import { FieldCipher, loadOrCreateKeys } from '../db/crypto.js';
import { LedgerStore } from '../db/ledger.js';
import { MemberStore } from '../db/members.js';
import { OutboxStore } from '../db/outbox.js';
import { HqStateStore } from '../db/hqstate.js';
import { HQ_QR_KEYS_FILE, HqQrKeyStore } from '../db/hq-qr-keys.js';
import { createOwnerOnly, prepareDataDir } from '../db/files.js';
import { openDatabase, type Db } from '../db/open.js';
import { RuleSetStore } from '../db/rulesets.js';
import { SaleStore } from '../db/sales.js';
import { surveyKey } from '../../core/survey/token.js';
import { checkHqUrl, ConfigError, readHqPublicKeys, type TillConfig } from './config.js';
import type { TillContext, TillIdentity } from './context.js';
import { EventBus } from './events.js';
import { forgetLegacyQrKey, getMeta, legacyQrKey, resolveIdentity, resolvePosApiKey } from './identity.js';
import { createLogger, type Logger } from './log.js';
import { RedemptionGuard } from './redemption-guard.js';
import { SyncService } from '../sync/service.js';

export interface Till {
  ctx: TillContext;
  api: ApiServer;
  url: string;
  posApiKey: string;
  posApiKeyFile: string;
  /** null for a standalone till */
  sync: SyncService | null;
  /** the receipt printer and its queue (main/receipts) */
  receipts: PrintService;
  /** the card readers (main/devices) */
  devices: DeviceManager;
  close(): Promise<void>;
}

export interface TillOptions {
  now?: () => Date;
  logger?: Logger;
  /** quiet: no stderr log lines (tests) */
  quiet?: boolean;
  /** print queue timing and a printer transport override (tests, simulators) */
  receipts?: Omit<PrintServiceOptions, 'printer' | 'storeName' | 'lang'>;
  /** card reader backends, backoff and debounce (tests, simulators, benchmarks) */
  devices?: DeviceManagerOptions;
  /** the Electron shell's per-run secret: its window's requests carry it (sign-in delay, main/api/signin-delay.ts) */
  screenSecret?: string;
}

/** keys.json, with the member-QR key moved out of the database of an older till (issue 11). */
function openKeys(db: Db, dataDir: string): { cipher: FieldCipher; qrKey: Buffer } {
  const keys = loadOrCreateKeys(join(dataDir, 'keys.json'), {
    databaseHasMembers: (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n > 0,
    legacyQrKey: legacyQrKey(db),
  });
  forgetLegacyQrKey(db);
  return { cipher: new FieldCipher(keys), qrKey: keys.qrKey };
}

/** Head office's member-QR keys (main/db/hq-qr-keys.ts); a damaged file is logged and refetched. */
function openHqQrKeys(dataDir: string, cipher: FieldCipher, log: Logger): HqQrKeyStore {
  const file = join(dataDir, HQ_QR_KEYS_FILE);
  try {
    return new HqQrKeyStore(file, cipher);
  } catch (e) {
    log.log('error', 'hq_qr_keys_unreadable', { message: e instanceof Error ? e.message : String(e) });
    rmSync(file, { force: true });
    return new HqQrKeyStore(file, cipher);
  }
}

/** TILL_HQ_CA_FILE's certificates, read once at start: a missing file is a configuration error, not a sync failure. */
function readCa(file: string | null | undefined): string | null {
  if (!file) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`TILL_HQ_CA_FILE cannot be read (${file}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function createTill(config: TillConfig, opts: TillOptions = {}): Promise<Till> {
  if (config.hqUrl) checkHqUrl(config.hqUrl);
  const hqCa = readCa(config.hqCaFile);
  const hqPublicKeys = readHqPublicKeys(config.hqPublicKey);
  prepareDataDir(config.dataDir);
  createOwnerOnly(join(config.dataDir, 'till.log'));
  const log =
    opts.logger ??
    createLogger({ level: config.logLevel, file: join(config.dataDir, 'till.log'), stderr: !opts.quiet });
  const db = openDatabase(join(config.dataDir, 'till.db'));
  let identity: TillIdentity;
  try {
    identity = resolveIdentity(db, config);
  } catch (e) {
    // A folder of another till (ConfigError): leave it as it was found.
    db.close();
    throw e;
  }
  const { cipher, qrKey } = openKeys(db, config.dataDir);
  const rules = new RuleSetStore(db);
  if (rules.isEmpty()) rules.put(DEFAULT_RULE_SET_INPUT, new Date().toISOString());
  const pos = resolvePosApiKey(config.dataDir, config.posApiKey);
  const members = new MemberStore(db, cipher);
  const resealed = members.reseal(db);
  if (resealed > 0) log.log('info', 'member_fields_sealed', { members: resealed });
  const events = new EventBus();
  const ctx: TillContext = {
    db,
    identity,
    ledger: new LedgerStore(db, identity.tillId),
    members,
    rules,
    sales: new SaleStore(db),
    coupons: new CouponStore(db),
    outbox: new OutboxStore(db),
    redemptions: new RedemptionGuard(db, log, events),
    hqState: new HqStateStore(db),
    rewardStock: new RewardStockStore(db),
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
    events,
    log,
    qrKey,
    ...(config.hqUrl ? { hqQrKeys: openHqQrKeys(config.dataDir, cipher, log) } : {}),
    now: opts.now ?? (() => new Date()),
    lastSyncAt: () => getMeta(db, 'last_sync_at'),
  };
  let sync: SyncService | null = null;
  if (config.hqUrl) {
    if (!config.tillId || !config.tillSecret) {
      throw new ConfigError('TILL_HQ_URL needs TILL_ID and TILL_SECRET (from `npm run headoffice -- add-till`)');
    }
    if (hqPublicKeys.length === 0) {
      // Security first: no unverifiable sync. The till runs offline and its status says why.
      log.log('error', 'hq_public_key_missing', {
        message: 'TILL_HQ_URL is set without TILL_HQ_PUBLIC_KEY: not syncing',
      });
    }
    sync = new SyncService(ctx, {
      hqUrl: config.hqUrl,
      tillId: config.tillId,
      secret: config.tillSecret,
      hqPublicKeys,
      hqCa,
      intervalMs: config.syncIntervalMs,
      maxBackoffMs: config.syncMaxBackoffMs,
    });
    ctx.syncStatus = () => sync?.status() ?? null;
    const svc = sync;
    ctx.hqSales = { lookup: (saleId, narrow) => svc.lookupSale(saleId, narrow), refresh: () => svc.refreshFeed() };
    ctx.hqMembers = { lookupPhone: (phone) => svc.lookupMember(phone), refresh: () => svc.refreshFeed() };
    ctx.hqRewards = { reserve: (req) => svc.reserveReward(req) };
  }
  // Receipts: the print queue and its worker; sales queue their receipt through ctx.receipts.
  const receipts = new PrintService(ctx, {
    ...opts.receipts,
    printer: config.printer ?? { kind: 'none' },
    storeName: config.storeName ?? null,
    lang: config.receiptLang ?? 'zh-CN',
    // The survey QR needs head office's member page and the till's secret (its key derives from it).
    survey:
      config.memberPageUrl && config.tillSecret
        ? { base: config.memberPageUrl, key: surveyKey(config.tillSecret) }
        : null,
  });
  ctx.receipts = receipts;
  // The cashier UI: staff sessions, its routes and the built renderer (main/api/staff.ts, static.ts).
  const staff = new StaffAuth(ctx);
  staff.ensureFirstAdmin(config.firstAdmin ?? null);
  const posKey = new PosKey(pos.key, pos.file, config.posApiKey !== null);
  // Card readers (main/devices): opened once the API listens, closed before the database.
  // TILL_SCANNERS, else the list saved from the settings screen, else the keyboard.
  const scanners = resolveScanners(db, config, (message) => log.log('error', 'device_settings_invalid', { message }));
  const devices = new DeviceManager(
    ctx,
    { devices: config.devices, scanners: scanners.specs, host: config.host },
    opts.devices,
  );
  const api = createApiServer(ctx, {
    posApiKey: pos.key,
    hqUrl: config.hqUrl,
    extraRoutes: [
      ...staffRoutes(staff, posKey),
      ...receiptRoutes(receipts),
      ...deviceRoutes(devices),
      ...deviceSettingsRoutes(devices, scanners),
    ],
    staff,
    posKey,
    staticDir: config.uiDir ?? null,
    allowedHosts: config.allowedHosts ?? [],
    screenSecret: opts.screenSecret ?? null,
  });
  const url = await api.listen(config.port, config.host);
  sync?.start();
  receipts.start();
  devices.start();
  log.log('info', 'till_started', { tillId: identity.tillId, storeId: identity.storeId, url });
  return {
    ctx,
    api,
    url,
    posApiKey: pos.key,
    posApiKeyFile: pos.file,
    sync,
    receipts,
    devices,
    async close() {
      await devices.stop();
      await sync?.stop();
      await api.close();
      await receipts.stop();
      db.close();
      log.close?.();
    },
  };
}
