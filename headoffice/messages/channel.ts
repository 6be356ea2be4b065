/**
 * How head office reaches a member's phone (issue 15 item 3, docs/member-page.md).
 *
 * A channel only delivers: whether a message may go (consent, quiet hours, the cap) is decided
 * before, by the outbox (domain/messages.ts, store/messages.ts). Real SMS providers are
 * adapters of this interface, documented in docs/member-page.md and not built here.
 */
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { maskPhone } from '../../core/members.js';
import type { DeliveryChannel } from '../../core/preferences.js';

export type SendResult =
  | { ok: true; providerId: string }
  /** the provider refused this message (bad number, template, content): retrying will not help */
  | { ok: false; code: 'rejected'; message: string }
  /** the provider could not be reached or throttled us: retry later */
  | { ok: false; code: 'unavailable'; message: string };

export interface MessageChannel {
  readonly name: string;
  /**
   * `to`: a normalised mainland mobile number (core/members.ts normalisePhone). `via`: the
   * member's preferred channel for a marketing message (absent: a sign-in code, always by SMS);
   * an adapter that cannot deliver by it answers `rejected` (never another channel instead).
   */
  send(to: string, text: string, via?: DeliveryChannel): Promise<SendResult>;
}

/**
 * Sends through `channel`, turning a throw (an adapter's defect, a dropped connection) into a
 * failed result to retry: whoever sends records the outcome either way, never loses it.
 */
export async function sendThrough(
  channel: MessageChannel,
  to: string,
  text: string,
  via?: DeliveryChannel,
): Promise<SendResult> {
  try {
    return await channel.send(to, text, via);
  } catch (e) {
    return { ok: false, code: 'unavailable', message: String(e) };
  }
}

/** One JSON line a simulated message is written as. */
export interface SimulatedMessage {
  at: string;
  /** the number masked (core/members.ts maskPhone): the file is personal data at rest otherwise */
  to: string;
  text: string;
  providerId: string;
  /** the channel the member asked for ('sms' for a sign-in code) */
  via: DeliveryChannel;
}

/**
 * For demos and tests: appends each message as a JSON line to a file (HQ_DATA_DIR/messages.jsonl),
 * 0600 like every file of the data folder. Numbers are written masked (138****0001), texts as
 * sent (a sign-in code must be readable for a demo to sign in with it): a production head
 * office uses a real channel.
 */
export class FileChannel implements MessageChannel {
  readonly name = 'file';
  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(to: string, text: string, via: DeliveryChannel = 'sms'): Promise<SendResult> {
    // Simulated: stands in for every channel's adapter, and says which one the member chose.
    const msg: SimulatedMessage = {
      at: this.now().toISOString(),
      to: maskPhone(to),
      text,
      providerId: randomUUID(),
      via,
    };
    try {
      appendFileSync(this.file, `${JSON.stringify(msg)}\n`, { mode: 0o600 });
    } catch (e) {
      return { ok: false, code: 'unavailable', message: String(e) };
    }
    return { ok: true, providerId: msg.providerId };
  }
}

export const MESSAGES_FILE = 'messages.jsonl';
