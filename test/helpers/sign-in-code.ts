/**
 * The messages head office's simulated channel wrote (HQ_DATA_DIR/messages.jsonl,
 * headoffice/messages/channel.ts FileChannel), and the sign-in codes among them, for tests.
 *
 * Head office answers `POST /v1/me/otp` before it texts the code (routes/me.ts: the answer's
 * time must not tell a member from a stranger), so the code reaches the file just after the
 * 202, not before it: read a code with `codeSentTo`, which waits for it. Messages the outbox's
 * sender sent (headoffice/server.ts sendOutbox) are written before it returns: `messagesIn`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { maskPhone, normalisePhone } from '../../core/members.js';
import { MESSAGES_FILE, type SimulatedMessage } from '../../headoffice/messages/channel.js';

/** A code missing this long after it was asked for is a failure (generous: a busy 2-core runner). */
export const CODE_DEADLINE_MS = 10_000;
const LOOK_EVERY_MS = 20;

/** Every message written so far to the simulated channel of head office's data folder `dataDir`, oldest first. */
export function messagesIn(dataDir: string): SimulatedMessage[] {
  const file = join(dataDir, MESSAGES_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SimulatedMessage);
}

/** The code in a sign-in text (store/memberpage.ts writes six digits), or null. */
export function codeIn(text: string): string | null {
  return /(\d{6})/.exec(text)?.[1] ?? null;
}

/**
 * Waits for a sign-in code texted to `phone` (any spelling normalisePhone reads; the file has it
 * masked) and resolves to the newest one. `after`: how many messages the file held before the
 * code was asked for (`messagesIn(dataDir).length`); only later ones count. Pass it when the
 * number was sent a code before, or the earlier code is found at once.
 */
export async function codeSentTo(dataDir: string, phone: string, opts: { after?: number } = {}): Promise<string> {
  const to = maskPhone(normalisePhone(phone) ?? phone);
  const deadline = Date.now() + CODE_DEADLINE_MS;
  for (;;) {
    const sent = messagesIn(dataDir).slice(opts.after ?? 0);
    const code = sent
      .filter((m) => m.to === to)
      .map((m) => codeIn(m.text))
      .findLast((c) => c !== null);
    if (code) return code;
    if (Date.now() > deadline) {
      throw new Error(
        `no sign-in code to ${to} in ${join(dataDir, MESSAGES_FILE)} after ${CODE_DEADLINE_MS / 1000} s ` +
          `(${sent.length} new messages there)`,
      );
    }
    await sleep(LOOK_EVERY_MS);
  }
}
