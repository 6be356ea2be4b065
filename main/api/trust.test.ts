/**
 * The till's trust boundaries (issue 11, findings 4, 5 and 7) against a real till: HTTP on
 * 127.0.0.1, a real SQLite file, the staff list changed through a second database connection
 * as the staff CLI does from its own process.
 */
import Database from 'better-sqlite3';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/till.js';
import type { Logger } from '../service/log.js';
import { createTill, type Till } from '../service/till.js';
import { StaffDirectory } from './staff.js';

const SCREEN_SECRET = 'the-shells-per-run-secret';
let dir: string;
let till: Till;
let port: number;
let posKey: string;
const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
const logger: Logger = { log: (level, event, fields = {}) => lines.push({ level, event, fields }) };

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A raw request, so the Host header and the path reach the server exactly as written. */
function raw(
  path: string,
  o: { host?: string; method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = o.body === undefined ? null : JSON.stringify(o.body);
  const headers: Record<string, string> = {
    host: o.host ?? `127.0.0.1:${port}`,
    ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
    ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (the UI's page)
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

const signIn = (staffId: string, pin: string, headers: Record<string, string> = {}) =>
  raw('/v1/staff/sessions', { method: 'POST', body: { staffId, pin }, headers });

async function token(staffId: string, pin: string): Promise<string> {
  const r = await signIn(staffId, pin, { 'x-till-screen': SCREEN_SECRET });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

/** Reads a server-sent event stream until it ends or `ms` pass; answers what arrived and whether it ended. */
async function drain(res: Response, ms: number): Promise<{ text: string; ended: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      await reader.cancel();
      return { text, ended: false };
    }
    const next = await Promise.race([
      reader.read(),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left)),
    ]);
    if (next === 'timeout') continue;
    if (next.done) return { text, ended: true };
    text += decoder.decode(next.value);
  }
}

/** The staff CLI's view: its own connection to the same database file. */
function viaCli(change: (d: StaffDirectory) => void): void {
  const db = new Database(join(dir, 'till.db'));
  try {
    change(new StaffDirectory(db));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'till-trust-'));
  till = await createTill(testConfig(dir, { posApiKey: null, allowedHosts: ['till-3.store.lan'] }), {
    logger,
    screenSecret: SCREEN_SECRET,
  });
  port = Number(new URL(till.url).port);
  posKey = till.posApiKey;
  const staff = new StaffDirectory(till.ctx.db);
  staff.add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  staff.add({ staffId: '1003', name: '周收银', role: 'cashier', pin: '1357' });
  staff.add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
  staff.add({ staffId: '9001', name: '管理员', role: 'admin', pin: '246810' });
});

afterAll(async () => {
  await till?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Host allow-list (DNS rebinding)', () => {
  it('answers its loopback names on its own port and configured names', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `TILL-3.store.lan:${port}`]) {
      expect((await raw('/v1/health', { host, token: posKey })).status, host).toBe(200);
    }
  });

  it('refuses any other Host with 421 before anything else: API, sign-in, UI, OpenAPI', async () => {
    const rebound = `rebind.attacker.test:${port}`;
    for (const [path, method] of [
      ['/v1/health', 'GET'],
      ['/', 'GET'],
      ['/v1/openapi.json', 'GET'],
      ['/v1/events', 'GET'],
    ] as const) {
      const r = await raw(path, { host: rebound, method, token: posKey });
      expect([r.status, r.body.error?.code], path).toEqual([421, 'host_not_allowed']);
    }
    const r = await raw('/v1/staff/sessions', {
      host: rebound,
      method: 'POST',
      body: { staffId: '1001', pin: '1234' },
    });
    expect([r.status, r.body.error.code]).toEqual([421, 'host_not_allowed']);
    for (const host of [`127.0.0.1:1`, `127.0.0.1`, `localhost.:${port}`, `127.0.0.1:${port}@evil.test`]) {
      expect((await raw('/v1/health', { host, token: posKey })).status, host).toBe(421);
    }
  });

  it('refuses a request without a Host header (HTTP/1.0)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () =>
        s.end(`GET /v1/health HTTP/1.0\r\nAuthorization: Bearer ${posKey}\r\n\r\n`),
      );
      let text = '';
      s.on('data', (c) => (text += c.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 421 /);
  });
});

describe('malformed %-escapes', () => {
  it('answer 400 malformed_path before authentication, with no stack in the log', async () => {
    lines.length = 0;
    for (const token of [undefined, posKey]) {
      const r = await raw('/v1/members/%E0%A4%A', { token });
      expect([r.status, r.body.error.code]).toEqual([400, 'malformed_path']);
    }
    expect((await raw('/assets/%ZZ.js')).status).toBe(400);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/stack|URIError/);
  });
});

describe('request targets that are no URL', () => {
  it('answer 400 malformed_path, and the till goes on answering', async () => {
    lines.length = 0;
    for (const target of ['//[', '//a:b@', '//:99999/x', '//%zz/']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () =>
          s.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
        );
        let text = '';
        s.on('data', (c) => (text += c.toString()));
        s.on('end', () => resolve(text));
        s.on('error', reject);
      });
      expect(answer, target).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"malformed_path"');
    }
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect((await raw('/v1/health', { token: posKey })).status).toBe(200);
  });
});

describe('sign-in delay', () => {
  it("wrong PINs from anyone else never keep a cashier out of the till's own screen", async () => {
    // An attacker on this machine (or on the LAN) guesses 1003's PIN until the till makes them wait.
    let delayed = false;
    for (let i = 0; i < 20 && !delayed; i++) {
      const r = await signIn('1003', String(1000 + i).padStart(4, '0'));
      delayed = r.status === 429;
      if (!delayed) expect(r.body.error.code).toBe('invalid_credentials');
    }
    expect(delayed).toBe(true);
    // Their own client waits, even with the right PIN, and a forged screen header changes nothing.
    expect((await signIn('1003', '1357')).body.error.code).toBe('staff_locked');
    expect((await signIn('1003', '1357', { 'x-till-screen': 'guess' })).body.error.code).toBe('staff_locked');
    // The cashier at the screen signs in at once.
    const atScreen = await signIn('1003', '1357', { 'x-till-screen': SCREEN_SECRET });
    expect(atScreen.status).toBe(201);
    expect(lines.some((l) => l.event === 'staff_signin_delayed' && l.fields.client === 'addr:127.0.0.1')).toBe(true);
  });
});

describe('staff changes end sessions at once', () => {
  it('a deactivated cashier is refused at the next request', async () => {
    const t = await token('1001', '1234');
    expect((await raw('/v1/staff/session', { token: t })).status).toBe(200);
    viaCli((d) => d.setActive('1001', false));
    const r = await raw('/v1/staff/session', { token: t });
    expect([r.status, r.body.error.code]).toEqual([401, 'unauthorized']);
    viaCli((d) => d.setActive('1001', true));
    // Reactivation does not bring the old session back.
    expect((await raw('/v1/staff/session', { token: t })).status).toBe(401);
  });

  it("a demoted supervisor's session ends, and so does an approval they gave", async () => {
    const sup = await token('2001', '5678');
    const cashier = await token('1001', '1234');
    const approval = await raw('/v1/staff/approvals', {
      method: 'POST',
      token: cashier,
      body: { supervisorId: '2001', pin: '5678', action: { kind: 'unblock_card', code: '2000000000008' } },
    });
    expect(approval.status).toBe(201);
    viaCli((d) => d.setRole('2001', 'cashier'));
    expect((await raw('/v1/staff/session', { token: sup })).status).toBe(401);
    const use = await raw('/v1/staff/cards/unblock', {
      method: 'POST',
      token: cashier,
      body: { code: '2000000000008' },
      headers: { 'x-supervisor-approval': approval.body.approval },
    });
    expect(use.body.error.code).toBe('supervisor_required');
    viaCli((d) => d.setRole('2001', 'supervisor'));
  });

  it("a deactivated cashier's event stream receives nothing more", async () => {
    const t = await token('1003', '1357');
    const ticket = (await raw('/v1/staff/events/ticket', { method: 'POST', token: t })).body.ticket as string;
    const res = await fetch(`${till.url}/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(res.status).toBe(200);
    viaCli((d) => d.setActive('1003', false));
    till.ctx.events.publish({ type: 'member', memberNo: '2000000000015', via: 'code' });
    const { text, ended } = await drain(res, 2_000);
    expect(ended).toBe(true);
    expect(text).not.toContain('2000000000015');
    viaCli((d) => d.setActive('1003', true));
  });
});

describe('POS key rotation', () => {
  it('ends event streams opened with the old key at once and refuses the old key', async () => {
    const stream = await fetch(`${till.url}/v1/events`, { headers: { authorization: `Bearer ${posKey}` } });
    expect(stream.status).toBe(200);
    const admin = await token('9001', '246810');
    const rotated = await raw('/v1/staff/pos-key/rotate', { method: 'POST', token: admin });
    expect(rotated.status).toBe(200);
    const { ended } = await drain(stream, 2_000);
    expect(ended).toBe(true);
    expect((await raw('/v1/health', { token: posKey })).status).toBe(401);
    expect((await raw('/v1/health', { token: rotated.body.key })).status).toBe(200);
    // Afterwards the admin sees the new key's fingerprint only.
    const shown = await raw('/v1/staff/pos-key', { token: admin });
    expect(shown.body.fingerprint).toBe(rotated.body.fingerprint);
    expect(JSON.stringify(shown.body)).not.toContain(rotated.body.key);
    posKey = rotated.body.key as string;
  });
});
