/**
 * Test plumbing for the receipt suites: a real till (temp data folder, real SQLite, HTTP on
 * 127.0.0.1) with a printer configured by TILL_PRINTER, a settable clock, fetch helpers, and
 * the events the till published.
 */
import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import type { RuleSetInput } from '../../core/ruleset/schema.js';
import { configFromEnv } from '../service/config.js';
import type { TillEvent } from '../service/events.js';
import { createTill, type Till, type TillOptions } from '../service/till.js';

export const TEST_KEY = 'receipt-test-key';

export interface Answer {
  status: number;
  contentType: string;
  raw: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface ReceiptTill {
  till: Till;
  dir: string;
  events: TillEvent[];
  setNow(iso: string): void;
  post(path: string, body?: unknown): Promise<Answer>;
  get(path: string): Promise<Answer>;
  enrol(name: string, phone: string): Promise<string>;
  sale(saleId: string, memberNo: string | null, yuan: number, extra?: Record<string, unknown>): Promise<Answer>;
  /** installs the default rule set with changes, as version 2 */
  rules(changes: Partial<RuleSetInput>): void;
  close(): Promise<void>;
}

export async function startReceiptTill(
  opts: {
    printer?: string;
    storeName?: string;
    lang?: 'zh-CN' | 'en';
    now?: string;
    receipts?: TillOptions['receipts'];
    /** more environment (e.g. TILL_MEMBER_PAGE_URL, TILL_SECRET) */
    env?: Record<string, string>;
  } = {},
): Promise<ReceiptTill> {
  const dir = mkdtempSync(join(tmpdir(), 'till-receipts-'));
  let now = new Date(opts.now ?? '2026-03-10T04:00:00Z');
  const env: Record<string, string> = { TILL_PRINTER: opts.printer ?? 'none' };
  if (opts.storeName) env.TILL_STORE_NAME = opts.storeName;
  if (opts.lang) env.TILL_RECEIPT_LANG = opts.lang;
  Object.assign(env, opts.env);
  const till = await createTill(
    {
      ...configFromEnv(env),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      tillId: 'till-r1',
      storeId: 'store-r',
      posApiKey: TEST_KEY,
      uiDir: null,
    },
    {
      quiet: true,
      now: () => now,
      receipts: {
        retryMinMs: 40,
        retryMaxMs: 200,
        statusTimeoutMs: 300,
        confirmTimeoutMs: 600,
        idlePollMs: 0,
        ...opts.receipts,
      },
    },
  );
  const events: TillEvent[] = [];
  const unsubscribe = till.ctx.events.subscribe(({ event }) => events.push(event));

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${till.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_KEY}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type') ?? '';
    let json: unknown = null;
    if (contentType.startsWith('application/json')) json = JSON.parse(raw.toString('utf8'));
    return { status: res.status, contentType, raw, json };
  }

  const t: ReceiptTill = {
    till,
    dir,
    events,
    setNow(iso) {
      now = new Date(iso);
    },
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
    async enrol(name, phone) {
      const r = await call('POST', '/v1/members', { name, phone, consent: { marketing: false, text: 'v1' } });
      if (r.status !== 201) throw new Error(`enrol failed: ${r.status} ${r.raw.toString()}`);
      return r.json.memberNo as string;
    },
    sale(saleId, memberNo, yuan, extra = {}) {
      return call('POST', '/v1/sales', {
        saleId,
        ...(memberNo ? { memberNo } : {}),
        lines: [{ sku: 'rice', name: '大米', category: 'food', quantity: 1, unitPrice: Math.round(yuan * 100) }],
        ...extra,
      });
    },
    rules(changes) {
      till.ctx.rules.put({ ...DEFAULT_RULE_SET_INPUT, ...changes, version: 2 }, now.toISOString());
    },
    async close() {
      unsubscribe();
      await till.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Polls until `check` passes (returns true) or the time is up. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/**
 * Per-test clean-up (vitest hook), run in reverse after each test, and `till(opts)`, which
 * starts a till closed that way.
 */
export function useReceiptTills(): {
  cleanups: (() => Promise<void> | void)[];
  till: (opts: Parameters<typeof startReceiptTill>[0]) => Promise<ReceiptTill>;
} {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    cleanups,
    till: async (opts) => {
      const t = await startReceiptTill(opts);
      cleanups.push(() => t.close());
      return t;
    },
  };
}

/** A loopback port nothing listens on (a printer that is off). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
