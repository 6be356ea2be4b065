/**
 * Starts a real till for tests: the real service and HTTP server on 127.0.0.1 (port 0), a
 * real SQLite file in a fresh temporary TILL_DATA_DIR, a fixed POS key and a clock the test
 * moves by hand.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import type { RuleSetInput } from '../../core/ruleset/schema.js';
import { hqPublicKeyText } from '../../core/sync/sign.js';
import { addDays, localDate } from '../../core/time.js';
import type { EnrolRequest } from '../../main/api/schemas.js';
import { configFromEnv, type TillConfig } from '../../main/service/config.js';
import { enrol } from '../../main/service/members.js';
import { createTill, type Till } from '../../main/service/till.js';
import { StaffDirectory } from '../../main/api/staff.js';

export const POS_KEY = 'test-pos-key-0123456789';

/** A hand-driven clock. `set` takes any ISO 8601 instant. */
export class TestClock {
  private t: number;
  constructor(start: string | Date) {
    this.t = new Date(start).getTime();
  }
  readonly now = (): Date => new Date(this.t);
  iso(): string {
    return new Date(this.t).toISOString();
  }
  set(instant: string | Date): void {
    this.t = new Date(instant).getTime();
  }
  advanceMs(ms: number): void {
    this.t += ms;
  }
  advanceDays(days: number): void {
    this.t += days * 86_400_000;
  }
  /** The local date in the store's zone (default Asia/Shanghai). */
  today(timeZone = 'Asia/Shanghai'): string {
    return localDate(this.now(), timeZone).date;
  }
}

export interface TestTill {
  till: Till;
  ctx: Till['ctx'];
  url: string;
  key: string;
  dir: string;
  dbFile: string;
  clock: TestClock;
  /** POST JSON with the POS key (unless `key: null`); returns status and parsed body. */
  post(path: string, body: unknown, opts?: RequestOptions): Promise<ApiAnswer>;
  get(path: string, opts?: RequestOptions): Promise<ApiAnswer>;
  /** A raw request for the odd cases (wrong content type, malformed body). */
  raw(path: string, init: RequestInit): Promise<ApiAnswer>;
  /** Stops the till (server and database) but keeps its data folder, e.g. to inspect the files. */
  stop(): Promise<void>;
  /** Stops the till if running and removes its data folder. */
  close(): Promise<void>;
}

export interface RequestOptions {
  /** null: no Authorization header; a string: that key */
  key?: string | null;
}

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export interface StartOptions {
  /** the clock's start; default 2025-03-05T02:00:00Z (Wednesday 10:00 in Shanghai) */
  now?: string;
  /** installed as version 2 (effective from 2020) on top of the default rule set */
  ruleSet?: Partial<RuleSetInput>;
  tillId?: string;
  /** more of the till's configuration (e.g. a head office that never answers) */
  config?: Partial<TillConfig>;
}

async function answer(res: Response): Promise<ApiAnswer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: res.status, body, headers: res.headers };
}

/** The configuration startTill uses: loopback, port 0, the fixed POS key, standalone, simulated devices. */
/**
 * A head-office answer key for tills whose head office is a stub or absent: a valid
 * TILL_HQ_PUBLIC_KEY (a till with TILL_HQ_URL needs one) whose private half no test holds.
 */
export const TEST_HQ_PUBLIC_KEY = hqPublicKeyText(generateKeyPairSync('ed25519').publicKey);

/**
 * A head office configured but never answering: the till leaves tier reviews to it and applies
 * the due ones in memory (DOMAIN.md 5, 12), as a till does while offline.
 */
export const UNANSWERING_HQ: Partial<TillConfig> = {
  hqUrl: 'http://127.0.0.1:9',
  tillId: 'till-offline-1',
  tillSecret: 'secret-for-tests-0123456789',
  syncIntervalMs: 3_600_000,
};

export function testConfig(dataDir: string, overrides: Partial<TillConfig> = {}): TillConfig {
  return {
    ...configFromEnv({}),
    hqPublicKey: TEST_HQ_PUBLIC_KEY,
    dataDir,
    port: 0,
    host: '127.0.0.1',
    tillId: 'till-test-1',
    storeId: 'store-test',
    hqUrl: null,
    posApiKey: POS_KEY,
    devices: 'simulated',
    logLevel: 'error',
    ...overrides,
  };
}

export async function startTill(opts: StartOptions = {}): Promise<TestTill> {
  const dir = mkdtempSync(join(tmpdir(), 'till-test-'));
  const clock = new TestClock(opts.now ?? '2025-03-05T02:00:00Z');
  const config = testConfig(dir, { tillId: opts.tillId ?? 'till-test-1', ...opts.config });
  const till = await createTill(config, { now: clock.now, quiet: true });
  if (opts.ruleSet) installRuleSet(till.ctx, { version: 2, ...opts.ruleSet });
  const headers = (o?: RequestOptions): Record<string, string> => {
    const key = o?.key === undefined ? POS_KEY : o.key;
    return key === null ? {} : { authorization: `Bearer ${key}` };
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await till.close();
  };
  return {
    till,
    ctx: till.ctx,
    url: till.url,
    key: POS_KEY,
    dir,
    dbFile: join(dir, 'till.db'),
    clock,
    async post(path, body, o) {
      const res = await fetch(`${till.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers(o) },
        body: JSON.stringify(body),
      });
      return answer(res);
    },
    async get(path, o) {
      return answer(await fetch(`${till.url}${path}`, { headers: headers(o) }));
    },
    async raw(path, init) {
      return answer(await fetch(`${till.url}${path}`, init));
    },
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Installs a rule set built on the default programme; `version` and `effectiveFrom` as given or defaulted. */
export function installRuleSet(ctx: Till['ctx'], overrides: Partial<RuleSetInput> & { version: number }): void {
  ctx.rules.put(
    { ...DEFAULT_RULE_SET_INPUT, effectiveFrom: '2020-01-01T00:00:00+08:00', ...overrides },
    ctx.now().toISOString(),
  );
}

let phoneCounter = 0;

/** A fresh, valid mainland mobile number for each call. */
export function nextPhone(): string {
  phoneCounter += 1;
  return `139${String(phoneCounter).padStart(8, '0')}`;
}

export function enrolRequest(overrides: Partial<EnrolRequest> = {}): EnrolRequest {
  return {
    name: '张三',
    phone: nextPhone(),
    preferredChannel: 'none',
    interests: [],
    consent: { marketing: false, text: 'privacy-v1' },
    ...overrides,
  };
}

/** Enrols through the service function (no HTTP) and returns the member number. */
export function enrolDirect(ctx: Till['ctx'], overrides: Partial<EnrolRequest> = {}): string {
  return enrol(ctx, enrolRequest(overrides)).summary.memberNo;
}

/** Noon in Shanghai on a local date, as a UTC instant. */
export function shanghaiNoon(date: string): string {
  return `${date}T04:00:00.000Z`;
}

export function shanghaiAt(date: string, hhmm: string): string {
  return new Date(`${date}T${hhmm}:00+08:00`).toISOString();
}

export { addDays };

export function count(ctx: Till['ctx'], table: 'ledger' | 'sales' | 'returns' | 'members' | 'lots'): number {
  return (ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** One article of category food at a unit price (fen), no discount: a POS sale line. */
export function foodLine(sku: string, unitPrice: number): Record<string, unknown> {
  return { sku, category: 'food', quantity: 1, unitPrice, discount: 0 };
}

/**
 * A till linked to an in-process head office (headoffice/test-helpers.ts startHq) under the
 * credential head office issued it, its data in `dataDir`. Background sync is stopped: the test
 * syncs when it chooses (`till.sync?.syncNow()`).
 */
export async function linkedTill(
  dataDir: string,
  hq: { url: string; publicKey: string },
  issued: { tillId: string; storeId: string; secret: string },
): Promise<Till> {
  const till = await createTill(
    testConfig(dataDir, {
      hqUrl: hq.url,
      hqPublicKey: hq.publicKey,
      tillId: issued.tillId,
      storeId: issued.storeId,
      tillSecret: issued.secret,
      syncIntervalMs: 3_600_000,
    }),
    { quiet: true },
  );
  await till.sync?.stop();
  return till;
}

/**
 * A till whose redemptions above 300 points need a supervisor (DOMAIN.md 4), at a fixed time,
 * with cashier 1001 (PIN 1234) signed in: the supervisor-gate tests' common start.
 */
export async function gatedTill(): Promise<{ t: TestTill; cashier: string }> {
  const t = await startTill({
    now: '2026-03-10T04:00:00Z',
    ruleSet: { redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, supervisorThreshold: 300 } },
  });
  new StaffDirectory(t.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  const session = await t.post('/v1/staff/sessions', { staffId: '1001', pin: '1234' }, { key: null });
  return { t, cashier: session.body.token as string };
}

/** A member enrolled over the POS API and funded by one earning sale of `fen`; their number. */
export async function fundedMember(
  t: TestTill,
  o: { name: string; phone: string; fen: number; saleId: string; cardCode?: string },
): Promise<string> {
  const m = await t.post('/v1/members', {
    name: o.name,
    phone: o.phone,
    consent: { marketing: false, text: 'v1' },
    ...(o.cardCode === undefined ? {} : { cardCode: o.cardCode }),
  });
  if (m.status !== 201) throw new Error(`enrolment refused: ${m.status} ${JSON.stringify(m.body)}`);
  const memberNo = m.body.memberNo as string;
  const lines = [{ sku: 'a', category: 'x', quantity: 1, unitPrice: o.fen }];
  const sale = await t.post('/v1/sales', { saleId: o.saleId, memberNo, lines });
  if (sale.status !== 201) throw new Error(`funding sale refused: ${sale.status} ${JSON.stringify(sale.body)}`);
  return memberNo;
}
