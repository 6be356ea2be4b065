/**
 * A real till for device tests: createTill on 127.0.0.1 port 0 with a fresh temporary
 * TILL_DATA_DIR, configured through the same environment variables store IT uses
 * (TILL_DEVICES, TILL_SCANNERS), members enrolled through the API, and a recorder of the
 * events on the till's bus.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceManagerOptions } from '../../main/devices/manager.js';
import { configFromEnv } from '../../main/service/config.js';
import type { TillEvent } from '../../main/service/events.js';
import { createTill, type Till } from '../../main/service/till.js';

export const DEVICE_POS_KEY = 'device-test-pos-key-0123456789';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class EventRecorder {
  readonly events: TillEvent[] = [];
  private waiters: Array<{ pred: (e: TillEvent) => boolean; resolve: (e: TillEvent) => void }> = [];
  readonly stop: () => void;

  constructor(till: Till) {
    this.stop = till.ctx.events.subscribe(({ event }) => {
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  of<T extends TillEvent['type']>(type: T): Array<Extract<TillEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<TillEvent, { type: T }> => e.type === type);
  }

  /** The first event from now on (or already recorded after `since`) that matches. */
  waitFor<T extends TillEvent>(
    pred: (e: TillEvent) => e is T,
    what: string,
    timeoutMs?: number,
    since?: number,
  ): Promise<T>;
  waitFor(pred: (e: TillEvent) => boolean, what: string, timeoutMs?: number, since?: number): Promise<TillEvent>;
  waitFor(pred: (e: TillEvent) => boolean, what: string, timeoutMs = 10_000, since?: number): Promise<TillEvent> {
    if (since !== undefined) {
      const hit = this.events.slice(since).find(pred);
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.events.slice(-12))}`,
          ),
        );
      }, timeoutMs);
      const done = (e: TillEvent): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  mark(): number {
    return this.events.length;
  }
}

export interface DeviceTill {
  till: Till;
  ctx: Till['ctx'];
  url: string;
  dir: string;
  events: EventRecorder;
  post(path: string, body: unknown, key?: string | null): Promise<Answer>;
  get(path: string): Promise<Answer>;
  /** Enrols a member through POST /v1/members, linking `cardCode`; returns the member number. */
  enrol(cardCode?: string): Promise<string>;
  /** The device's entry in GET /v1/health. */
  device(id: string): Promise<{ state: string; detail: string | null; reconnects: number; readCount: number }>;
  close(): Promise<void>;
}

let phone = 0;

export async function startDeviceTill(o: {
  devices: 'auto' | 'simulated';
  scanners?: string;
  deviceOptions?: DeviceManagerOptions;
}): Promise<DeviceTill> {
  const dir = mkdtempSync(join(tmpdir(), 'till-devices-'));
  const env: NodeJS.ProcessEnv = {
    TILL_DEVICES: o.devices,
    ...(o.scanners !== undefined ? { TILL_SCANNERS: o.scanners } : {}),
  };
  const config = {
    ...configFromEnv(env),
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    posApiKey: DEVICE_POS_KEY,
    logLevel: 'error' as const,
  };
  const till = await createTill(config, {
    quiet: true,
    devices: { detectIntervalMs: 0, backoff: { initialMs: 50, maxMs: 400 }, ...o.deviceOptions },
  });
  const events = new EventRecorder(till);
  const call = async (path: string, init: RequestInit): Promise<Answer> => {
    const res = await fetch(`${till.url}${path}`, { signal: AbortSignal.timeout(10_000), ...init });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  };
  const auth = (key: string | null | undefined): Record<string, string> => {
    const k = key === undefined ? DEVICE_POS_KEY : key;
    return k === null ? {} : { authorization: `Bearer ${k}` };
  };
  const t: DeviceTill = {
    till,
    ctx: till.ctx,
    url: till.url,
    dir,
    events,
    post: (path, body, key) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth(key) },
        body: JSON.stringify(body),
      }),
    get: (path) => call(path, { headers: auth(undefined) }),
    async enrol(cardCode) {
      phone += 1;
      const r = await t.post('/v1/members', {
        name: '张三',
        phone: `137${String(process.pid % 1000).padStart(3, '0')}${String(phone).padStart(5, '0')}`,
        consent: { marketing: false, text: 'privacy-v1' },
        ...(cardCode !== undefined ? { cardCode } : {}),
      });
      if (r.status !== 201) throw new Error(`enrol failed: ${r.status} ${JSON.stringify(r.body)}`);
      return (r.body as { memberNo: string }).memberNo;
    },
    async device(id) {
      const h = await t.get('/v1/health');
      const d = (h.body as { devices: Array<{ id: string }> }).devices.find((x) => x.id === id);
      if (!d) throw new Error(`no device ${id} in /v1/health: ${JSON.stringify(h.body)}`);
      return d as never;
    },
    async close() {
      events.stop();
      await till.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` returns true. */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}
