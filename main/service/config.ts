/** Till configuration from the environment (CONTRACTS.md, "Starting things"). */
import type { KeyObject } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parsePrinterUrl, PrinterConfigError, type PrinterConfig } from '../../native/printers/config.js';
import { fileURLToPath } from 'node:url';
import { parseScanners, ScannerSpecError, type ScannerSpec } from '../devices/spec.js';
import { HqPublicKeyError, parseHqPublicKeys } from '../../core/sync/sign.js';

export interface TillConfig {
  dataDir: string;
  port: number;
  host: string;
  tillId: string | null;
  storeId: string | null;
  hqUrl: string | null;
  /** TILL_HQ_CA_FILE: a PEM file of the certificate authorities trusted for head office's TLS; absent = the system's */
  hqCaFile?: string | null;
  /** TILL_ALLOWED_HOSTS: Host names the till answers besides loopback (main/api/hosts.ts) */
  allowedHosts?: string[];
  /** the till's credential issued by head office (`add-till`) */
  tillSecret: string | null;
  /**
   * TILL_HQ_PUBLIC_KEY: head office's answer-signing Ed25519 public key, base64 (`add-till`,
   * `public-key`); while head office rotates it, the current and the next key, comma-separated
   * (readHqPublicKeys)
   */
  hqPublicKey?: string | null;
  /** TILL_REPROVISION=1: this data folder may take a TILL_ID other than the one it was created under (main/service/identity.ts) */
  reprovision?: boolean;
  syncIntervalMs: number;
  /** ceiling of the retry backoff when head office is unreachable */
  syncMaxBackoffMs: number;
  posApiKey: string | null;
  devices: 'auto' | 'simulated';
  /** TILL_SCANNERS, parsed (main/devices/spec.ts); absent = keyboard wedge only */
  scanners?: ScannerSpec[];
  /** TILL_SCANNERS as given, when it is set: it then overrides the reader settings saved from the cashier UI */
  scannersSpec?: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** the built cashier UI served at `/` (TILL_UI_DIR); absent or null: no UI */
  uiDir?: string | null;
  /** first run: the admin created when the till has none (TILL_ADMIN_PIN, TILL_ADMIN_ID, TILL_ADMIN_NAME) */
  firstAdmin?: { staffId: string; name: string; pin: string } | null;
  /** TILL_PRINTER, parsed (native/printers/config.ts); absent = none */
  printer?: PrinterConfig;
  /** TILL_STORE_NAME: the store's name printed at the top of receipts; absent = the store id */
  storeName?: string | null;
  /** TILL_RECEIPT_LANG: zh-CN (default) or en */
  receiptLang?: 'zh-CN' | 'en';
  /**
   * TILL_MEMBER_PAGE_URL: head office's public member page (e.g. `https://hq.example.cn/m/`);
   * receipts print a survey QR code linking to it (docs/receipts.md). Absent: no survey QR.
   */
  memberPageUrl?: string | null;
}

function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'till-loyalty');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'till-loyalty');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'till-loyalty');
}

/** The built cashier UI next to the sources: renderer/dist (npm run build:renderer). */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../renderer/dist', import.meta.url));
}

export class ConfigError extends Error {
  readonly code = 'config_error';
}

function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * TILL_HQ_URL carries sales, member changes and the till's signed requests: `https://`, except
 * on the till's own machine (a head office on loopback, tests, a local TLS-terminating proxy).
 */
export function checkHqUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`TILL_HQ_URL is not a URL: ${value}`);
  }
  if (u.protocol === 'https:') return value;
  if (u.protocol === 'http:' && isLoopbackName(u.hostname)) return value;
  throw new ConfigError(
    `TILL_HQ_URL must start with https:// (plain http:// only to a head office on this machine): ${u.protocol}//${u.host}`,
  );
}

/**
 * TILL_MEMBER_PAGE_URL is printed on receipts for members' phones: `https://`, except a head
 * office on this machine (tests, demos). No query or fragment: the survey token goes in `?s=`.
 */
export function checkMemberPageUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`TILL_MEMBER_PAGE_URL is not a URL: ${value}`);
  }
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackName(u.hostname)))) {
    throw new ConfigError(
      `TILL_MEMBER_PAGE_URL must start with https:// (plain http:// only on this machine): ${value}`,
    );
  }
  if (u.search !== '' || u.hash !== '') throw new ConfigError('TILL_MEMBER_PAGE_URL must have no query or fragment');
  return u.toString();
}

/**
 * TILL_HQ_PUBLIC_KEY, parsed once at start: one key, or several separated by commas (an answer
 * verifying with any one is head office's: the overlap of a rotation of head office's answer
 * key). A malformed or empty item stops the till at start rather than being skipped: a till
 * running on part of its list would fail only later, at the promotion. Absent: no key, and the
 * till does not sync (createTill).
 */
export function readHqPublicKeys(text: string | null | undefined): KeyObject[] {
  if (!text?.trim()) return [];
  try {
    return parseHqPublicKeys(text);
  } catch (e) {
    if (e instanceof HqPublicKeyError) throw new ConfigError(e.message);
    throw e;
  }
}

/** TILL_ALLOWED_HOSTS: comma-separated `name` or `name:port`, no schemes, no wildcards. */
export function parseAllowedHosts(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const e of entries) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+|[0-9A-Fa-f:]+)(:\d{1,5})?$/.test(e) || e.includes('*')) {
      throw new ConfigError(`TILL_ALLOWED_HOSTS: "${e}" is not a host name (name or name:port, comma-separated)`);
    }
  }
  return entries;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TillConfig {
  const port = Number(env.TILL_PORT ?? 7420);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`TILL_PORT is not a port: ${env.TILL_PORT}`);
  const devices = env.TILL_DEVICES ?? 'auto';
  if (devices !== 'auto' && devices !== 'simulated') throw new ConfigError(`TILL_DEVICES must be auto or simulated`);
  const logLevel = (env.TILL_LOG_LEVEL ?? 'info') as TillConfig['logLevel'];
  let scanners: ScannerSpec[];
  const scannersSpec = env.TILL_SCANNERS?.trim() ? env.TILL_SCANNERS : null;
  try {
    scanners = parseScanners(env.TILL_SCANNERS ?? 'keyboard');
  } catch (e) {
    if (e instanceof ScannerSpecError) throw new ConfigError(`TILL_SCANNERS: ${e.message}`);
    throw e;
  }
  let printer: PrinterConfig;
  try {
    printer = parsePrinterUrl(env.TILL_PRINTER);
  } catch (e) {
    if (e instanceof PrinterConfigError) throw new ConfigError(e.message);
    throw e;
  }
  const receiptLang = env.TILL_RECEIPT_LANG ?? 'zh-CN';
  if (receiptLang !== 'zh-CN' && receiptLang !== 'en') throw new ConfigError('TILL_RECEIPT_LANG must be zh-CN or en');
  return {
    dataDir: env.TILL_DATA_DIR ?? defaultDataDir(),
    port,
    // Loopback only, unless an operator sets TILL_HOST on purpose (CONTRACTS.md).
    host: env.TILL_HOST ?? '127.0.0.1',
    tillId: env.TILL_ID ?? null,
    storeId: env.TILL_STORE_ID ?? null,
    hqUrl: env.TILL_HQ_URL ? checkHqUrl(env.TILL_HQ_URL) : null,
    hqCaFile: env.TILL_HQ_CA_FILE || null,
    allowedHosts: parseAllowedHosts(env.TILL_ALLOWED_HOSTS),
    tillSecret: env.TILL_SECRET ?? null,
    hqPublicKey: env.TILL_HQ_PUBLIC_KEY?.trim() || null,
    reprovision: env.TILL_REPROVISION === '1' || env.TILL_REPROVISION === 'true',
    syncIntervalMs: Number(env.TILL_SYNC_INTERVAL_MS ?? 5000),
    syncMaxBackoffMs: Number(env.TILL_SYNC_MAX_BACKOFF_MS ?? 60_000),
    posApiKey: env.TILL_POS_API_KEY ?? null,
    devices,
    scanners,
    scannersSpec,
    logLevel,
    // The headless till (cli.ts) and the Electron shell default this to defaultUiDir().
    uiDir: env.TILL_UI_DIR || null,
    firstAdmin: env.TILL_ADMIN_PIN
      ? { staffId: env.TILL_ADMIN_ID ?? '0001', name: env.TILL_ADMIN_NAME ?? '管理员', pin: env.TILL_ADMIN_PIN }
      : null,
    printer,
    storeName: env.TILL_STORE_NAME?.trim() || null,
    receiptLang,
    memberPageUrl: env.TILL_MEMBER_PAGE_URL?.trim() ? checkMemberPageUrl(env.TILL_MEMBER_PAGE_URL.trim()) : null,
  };
}
