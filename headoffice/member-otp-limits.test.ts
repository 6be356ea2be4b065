/**
 * The member page's sign-in codes and who may spend them (domain/otp.ts, SECURITY.md "Not yet
 * (head office)"), against a real head office on SQLite and PostgreSQL. Clients at other
 * addresses are other loopback addresses (127.0.0.x, all served by the 127.0.0.1 listener).
 *
 * - One client address may ask for OTP_CLIENT_LIMIT codes an hour over every number, members'
 *   and others' alike (429 `too_many_code_requests`, answered alike whatever the number).
 * - One number gets OTP_NUMBER_LIMIT codes a day from every address together (429
 *   `otp_rate_limited`), counted in the database: two processes on one database count together.
 * - A code belongs to the number and the address that asked: a stranger elsewhere who knows the
 *   member's number neither spends the member's tries nor takes the member's code away, however
 *   often they ask and guess within their own limits.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { OTP_CLIENT_LIMIT, OTP_MAX_TRIES, OTP_NUMBER_LIMIT, OTP_PAIR_LIMIT } from './domain/otp.js';
import type { SimulatedMessage } from './messages/channel.js';
import { codeSentTo, messagesIn } from '../test/helpers/sign-in-code.js';
import { parseTrustedProxies } from './http/proxies.js';
import { OTP_FORGET_EVERY_MS } from './store/memberpage.js';
import { at, startHq, testStore, uploadAll, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

const MEMBER_PHONE = '13755550001';
const STRANGER_PHONE = '13755550999';
/** The member's phone and a stranger's computer. */
const MEMBER_AT = '127.0.0.2';
const STRANGER_AT = '127.0.0.3';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A POST to `base` (head office's URL) from the local address `from`. */
function postFrom(
  from: string,
  path: string,
  body: unknown,
  base = t.hq.url,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const u = new URL(base);
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        localAddress: from,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const askCode = (from: string, phone: string, base?: string): Promise<Answer> =>
  postFrom(from, '/v1/me/otp', { phone }, base);
const signIn = (from: string, phone: string, code: string): Promise<Answer> =>
  postFrom(from, '/v1/me/session', { phone, code });

/** Every text sent so far, once the texts of the codes answered so far have gone (they go after the 202). */
async function messages(): Promise<SimulatedMessage[]> {
  await t.hq.idle();
  return messagesIn(t.dataDir);
}

const wrongFor = (code: string): string => (code === '000000' ? '000001' : '000000');

async function enrol(phones: string[]): Promise<void> {
  phones.forEach((phone, i) => till.enrol(`M${i + 1}`, at(0), { phone }));
  await uploadAll(t, till, 100);
  await t.hq.store.settle();
}

/** Every code sent so far is two minutes older: the minute between two codes has passed. */
async function aMinuteLater(): Promise<void> {
  await t.exec('UPDATE member_otps SET last_sent_at = ?', new Date(Date.now() - 120_000).toISOString());
}

const phoneNo = (i: number): string => `1375555${String(i).padStart(4, '0')}`;
const limited = (code: string): Record<string, unknown> => ({
  status: 429,
  body: { error: { code }, retryAfterSeconds: expect.any(Number) },
});

describe('one client address asks for a few codes an hour', () => {
  it('texts at most OTP_CLIENT_LIMIT numbers an hour for one address, members or not, answered alike', async () => {
    const n = OTP_CLIENT_LIMIT.perWindow;
    const members = Array.from({ length: n }, (_, i) => phoneNo(i + 1));
    await enrol(members);
    // Half members, half numbers nobody holds: all count.
    for (let i = 0; i < n; i++) {
      const phone = i % 2 === 0 ? members[i] : phoneNo(5000 + i);
      expect(await askCode(STRANGER_AT, phone ?? ''), `code ${i + 1}`).toMatchObject({ status: 202 });
    }
    expect(await messages()).toHaveLength(n / 2);
    const toMember = await askCode(STRANGER_AT, members[n - 1] ?? '');
    const toStranger = await askCode(STRANGER_AT, STRANGER_PHONE);
    expect(toMember).toMatchObject(limited('too_many_code_requests'));
    expect(toStranger).toEqual(toMember);
    expect(await messages()).toHaveLength(n / 2);
    // Another address is not held up, and an hour later this one may ask again.
    expect(await askCode(MEMBER_AT, members[n - 1] ?? '')).toMatchObject({ status: 202 });
    await t.exec('UPDATE member_otp_clients SET window_start = ?', new Date(Date.now() - 3_600_000).toISOString());
    expect(await askCode(STRANGER_AT, members[n - 1] ?? '')).toMatchObject({ status: 202 });
  });

  it('texts one number at most OTP_PAIR_LIMIT times a day from one address, and a minute apart', async () => {
    await enrol([MEMBER_PHONE]);
    expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject(limited('otp_rate_limited'));
    for (let i = 1; i < OTP_PAIR_LIMIT.perWindow; i++) {
      await aMinuteLater();
      expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    }
    await aMinuteLater();
    const refused = await askCode(STRANGER_AT, MEMBER_PHONE);
    expect(refused).toMatchObject(limited('otp_rate_limited'));
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(3600);
    expect(await messages()).toHaveLength(OTP_PAIR_LIMIT.perWindow);
  });
});

describe('one number gets a few codes a day from every address together', () => {
  it('sends OTP_NUMBER_LIMIT codes a day to a number, then refuses every address alike', async () => {
    await enrol([MEMBER_PHONE]);
    const n = OTP_NUMBER_LIMIT.perWindow;
    const from = (i: number): string => `127.0.1.${i + 1}`;
    const answers = await Promise.all(Array.from({ length: n + 1 }, (_, i) => askCode(from(i), MEMBER_PHONE)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(n);
    expect(answers.filter((a) => a.status !== 202)).toMatchObject([limited('otp_rate_limited')]);
    expect(await messages()).toHaveLength(n);
    // A number nobody holds is answered the same.
    const strangers = await Promise.all(Array.from({ length: n + 1 }, (_, i) => askCode(from(i), STRANGER_PHONE)));
    expect(strangers.filter((a) => a.status === 202)).toHaveLength(n);
    expect(strangers.filter((a) => a.status !== 202)).toMatchObject([limited('otp_rate_limited')]);
    expect(await messages()).toHaveLength(n);
  });

  it.runIf(testStore() === 'postgres')(
    'counts a number together in two head-office processes on one PostgreSQL database',
    async () => {
      await enrol([MEMBER_PHONE]);
      const second = await t.another();
      try {
        const n = OTP_NUMBER_LIMIT.perWindow;
        const answers = await Promise.all(
          Array.from({ length: n + 1 }, (_, i) =>
            askCode(`127.0.2.${i + 1}`, MEMBER_PHONE, i % 2 === 0 ? t.hq.url : second.url),
          ),
        );
        expect(answers.filter((a) => a.status === 202)).toHaveLength(n);
        expect(answers.filter((a) => a.status !== 202)).toMatchObject([limited('otp_rate_limited')]);
        // Each address again, in the other process: the limit is the database's, not a process's.
        expect(await askCode('127.0.2.1', MEMBER_PHONE, second.url)).toMatchObject(limited('otp_rate_limited'));
        await second.idle();
        expect(await messages()).toHaveLength(n);
      } finally {
        await second.close();
      }
    },
  );
});

describe('a stranger who knows the number cannot lock the member out', () => {
  it('spends only their own tries: the member signs in with the code sent to them', async () => {
    await enrol([MEMBER_PHONE]);
    expect(await askCode(MEMBER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    const code = await codeSentTo(t.dataDir, MEMBER_PHONE);
    // Without asking for a code themselves: no code of theirs to try.
    expect(await signIn(STRANGER_AT, MEMBER_PHONE, wrongFor(code))).toMatchObject({
      status: 401,
      body: { error: { code: 'no_code' } },
    });
    // Asking (within their limits) and guessing: their own code's tries, and no more.
    expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    for (let i = 0; i <= OTP_MAX_TRIES; i++) await signIn(STRANGER_AT, MEMBER_PHONE, wrongFor(code));
    expect(await signIn(STRANGER_AT, MEMBER_PHONE, wrongFor(code))).toMatchObject({
      status: 401,
      body: { error: { code: 'no_code' } },
    });
    expect(await signIn(MEMBER_AT, MEMBER_PHONE, code)).toMatchObject({ status: 200, body: { memberNo: 'M1' } });
  });

  it('cannot take the member’s code away or use up their codes by asking for codes all day', async () => {
    await enrol([MEMBER_PHONE]);
    expect(await askCode(MEMBER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    const code = await codeSentTo(t.dataDir, MEMBER_PHONE);
    // The stranger's whole day at this number, each code guessed to its end.
    for (let i = 0; i < OTP_PAIR_LIMIT.perWindow; i++) {
      await aMinuteLater();
      expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
      for (let k = 0; k < OTP_MAX_TRIES; k++) await signIn(STRANGER_AT, MEMBER_PHONE, wrongFor(code));
    }
    expect(await askCode(STRANGER_AT, MEMBER_PHONE)).toMatchObject(limited('otp_rate_limited'));
    // Only the member's own address reaches the member's code.
    expect(await signIn('127.0.0.4', MEMBER_PHONE, code)).toMatchObject({
      status: 401,
      body: { error: { code: 'no_code' } },
    });
    expect(await signIn(MEMBER_AT, MEMBER_PHONE, code)).toMatchObject({ status: 200 });
    // And the member may still ask for a new one.
    await aMinuteLater();
    const after = (await messages()).length;
    expect(await askCode(MEMBER_AT, MEMBER_PHONE)).toMatchObject({ status: 202 });
    const again = await codeSentTo(t.dataDir, MEMBER_PHONE, { after });
    expect(await signIn(MEMBER_AT, MEMBER_PHONE, again)).toMatchObject({ status: 200 });
  });
});

describe("behind the chain's load balancer (HQ_TRUSTED_PROXIES, http/proxies.ts)", () => {
  const PROXY = '127.0.0.2';
  const DIRECT = '127.0.0.3';
  const n = OTP_CLIENT_LIMIT.perWindow;

  it('counts each client the balancer forwarded for, and no one can pick an address of their own', async () => {
    const behind = await startHq({ trustedProxies: parseTrustedProxies(`${PROXY}, 10.9.0.0/16`) });
    try {
      const ask = (from: string, i: number, forwardedFor: string): Promise<Answer> =>
        postFrom(from, '/v1/me/otp', { phone: phoneNo(7000 + i) }, behind.hq.url, { 'x-forwarded-for': forwardedFor });
      // Through the balancer: one client per forwarded address, more than one address's limit in all.
      for (let i = 0; i <= n; i++) {
        expect(await ask(PROXY, i, `198.51.100.${i + 1}`), `client ${i + 1}`).toMatchObject({ status: 202 });
      }
      // One forwarded client is held to its own limit, whatever it wrote further left, through
      // a second balancer in the listed range.
      for (let i = 0; i < n; i++) {
        expect(await ask(PROXY, 100 + i, `203.0.113.${i}, 192.0.2.7, 10.9.0.1`)).toMatchObject({ status: 202 });
      }
      expect(await ask(PROXY, 200, '203.0.113.250, 192.0.2.7')).toMatchObject(limited('too_many_code_requests'));
      // A connection that is not a listed balancer is its own address, X-Forwarded-For or not.
      for (let i = 0; i < n; i++) {
        expect(await ask(DIRECT, 300 + i, `198.18.0.${i + 1}`)).toMatchObject({ status: 202 });
      }
      expect(await ask(DIRECT, 400, '198.18.1.1')).toMatchObject(limited('too_many_code_requests'));
    } finally {
      await behind.close();
    }
  });
});

describe('counters whose windows are over', () => {
  it('are deleted by a code request at most every OTP_FORGET_EVERY_MS, and their going changes no answer', async () => {
    const stale = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const staleRow = (n: number): Promise<number> =>
      t.exec(
        'INSERT INTO member_otp_clients (client_hash, last_sent_at, window_start, sent_in_window) VALUES (?, ?, ?, ?)',
        Buffer.from([n]),
        stale,
        stale,
        OTP_CLIENT_LIMIT.perWindow,
      );
    const staleLeft = async (): Promise<number> =>
      (await t.sql('SELECT client_hash FROM member_otp_clients WHERE window_start = ?', stale)).length;
    const ask = (at: Date, i: number): Promise<unknown> => t.hq.store.requestOtp(phoneNo(7000 + i), 'client', at);
    const now = new Date();
    await staleRow(1);
    expect(await ask(now, 1)).toMatchObject({ kind: 'no_member' });
    expect(await staleLeft(), 'the process’s first request deletes them').toBe(0);
    await staleRow(2);
    expect(await ask(new Date(now.getTime() + OTP_FORGET_EVERY_MS - 1_000), 2)).toMatchObject({ kind: 'no_member' });
    expect(await staleLeft(), 'kept until OTP_FORGET_EVERY_MS has passed').toBe(1);
    expect(await ask(new Date(now.getTime() + OTP_FORGET_EVERY_MS), 3)).toMatchObject({ kind: 'no_member' });
    expect(await staleLeft()).toBe(0);
  });
});
