/**
 * A code request is answered before its text is sent (routes/me.ts; SECURITY.md, "public endpoints"):
 * a member's `POST /v1/me/otp` no longer waits on the SMS gateway while a stranger's (a decoy,
 * never sent) answers at once, so how long the answer takes tells no one who is a member.
 * Against a channel whose sends the test finishes by hand, on SQLite and PostgreSQL:
 *
 * - the member is answered while their text is still being sent, before a stranger who asked
 *   after them; once sent, the text is recorded as sent and its code signs the member in;
 * - closing head office waits for a text under way, and records it before the store closes.
 *
 * No timing is measured: which answer comes first, and what has happened by when, are events.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageChannel, SendResult } from './messages/channel.js';
import { codeIn } from '../test/helpers/sign-in-code.js';
import { at, provision, startHq, uploadAll, type TestHq } from './test-helpers.js';

const PHONE = '13900005555';
const STRANGER_PHONE = '13900005999';

interface HeldSend {
  to: string;
  text: string;
  /** the provider accepts the text: the channel's send resolves */
  finish(): void;
}

/** A channel whose every send waits until the test finishes it. */
class HeldChannel implements MessageChannel {
  readonly name = 'held';
  private readonly held: HeldSend[] = [];
  private readonly unfinished = new Set<HeldSend>();
  private waiting: ((s: HeldSend) => void) | null = null;

  send(to: string, text: string): Promise<SendResult> {
    return new Promise((resolve) => {
      const s: HeldSend = {
        to,
        text,
        finish: () => {
          this.unfinished.delete(s);
          resolve({ ok: true, providerId: randomUUID() });
        },
      };
      this.unfinished.add(s);
      if (this.waiting) this.waiting(s);
      else this.held.push(s);
      this.waiting = null;
    });
  }

  /** The next text head office asks this channel to send, still unsent. */
  next(): Promise<HeldSend> {
    const s = this.held.shift();
    return s ? Promise.resolve(s) : new Promise((resolve) => (this.waiting = resolve));
  }

  /** Lets every send still held go (a failed test must not leave head office's close waiting). */
  finishAll(): void {
    for (const s of [...this.unfinished]) s.finish();
  }
}

let t: TestHq;
let channel: HeldChannel;
beforeEach(async () => {
  channel = new HeldChannel();
  t = await startHq({ channel });
  const till = await provision(t, 'S1', 'A');
  till.enrol('M1', at(0), { phone: PHONE });
  await uploadAll(t, till, 10);
  await t.hq.store.settle();
});
afterEach(async () => {
  channel.finishAll();
  await t.close();
});

const askCode = async (phone: string): Promise<{ phone: string; status: number }> => {
  const r = await fetch(`${t.hq.url}/v1/me/otp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone }),
  });
  return { phone, status: r.status };
};

const otpStatus = async (): Promise<string | undefined> =>
  (await t.sql<{ status: string }>("SELECT status FROM outbox WHERE purpose = 'otp'"))[0]?.status;

describe('a code request is answered before its text is sent', () => {
  it('answers the member while the text is being sent, before a stranger who asked after; the code then signs in', async () => {
    const member = askCode(PHONE);
    const send = await channel.next();
    expect(send.to).toBe(PHONE);
    // The member's text is held. Were the answer waiting on it, the stranger's would come first.
    const stranger = askCode(STRANGER_PHONE);
    const first = await Promise.race([member, stranger]);
    expect(first, 'the member was answered only once the text was sent').toEqual({ phone: PHONE, status: 202 });
    expect(await stranger).toEqual({ phone: STRANGER_PHONE, status: 202 });
    expect(await otpStatus()).toBe('queued');

    send.finish();
    await t.hq.idle();
    expect(await otpStatus()).toBe('sent');
    const signIn = await fetch(`${t.hq.url}/v1/me/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: PHONE, code: codeIn(send.text) }),
    });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toEqual({ memberNo: 'M1' });
  });

  it('closing head office waits for a text under way and records it first', async () => {
    expect((await askCode(PHONE)).status).toBe(202);
    const send = await channel.next();
    const url = t.hq.url;
    const events: string[] = [];
    // restart: `between` runs once the old head office's close has resolved.
    const restarted = t.restart(() => {
      events.push('closed');
    });
    // Once it refuses connections, close has reached the wait; it must not end while the text is held.
    while (
      await fetch(`${url}/v1/health`).then(
        () => true,
        () => false,
      )
    );
    expect(events, 'close ended while a text was still being sent').toEqual([]);
    events.push('sent');
    send.finish();
    await restarted;
    expect(events).toEqual(['sent', 'closed']);
    // Recorded before the store closed (read through another connection: the store is a new one).
    expect(await otpStatus()).toBe('sent');
  });
});
