/**
 * The operator's bearer token (CONTRACTS.md HQ_OPERATOR_TOKEN). When the environment does not
 * set one, head office generates one on first start, keeps only its SHA-256 (a random 32-byte
 * token needs no slow hash) and hands it back once for printing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { unauthorized } from '../http/errors.js';
import type { HqStore } from '../store/types.js';

const META_KEY = 'operator_token_sha256';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export class OperatorAuth {
  private constructor(private readonly expected: Buffer) {}

  /** `generated` is the new token when one was just created, null otherwise. */
  static async setup(
    store: HqStore,
    envToken: string | null | undefined,
  ): Promise<{ auth: OperatorAuth; generated: string | null }> {
    if (envToken) return { auth: new OperatorAuth(digest(envToken)), generated: null };
    const stored = await store.getMeta(META_KEY);
    if (stored) return { auth: new OperatorAuth(Buffer.from(stored, 'hex')), generated: null };
    const token = randomBytes(32).toString('base64url');
    await store.setMeta(META_KEY, digest(token).toString('hex'));
    return { auth: new OperatorAuth(digest(token)), generated: token };
  }

  check(req: IncomingMessage): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization?.trim() ?? '');
    if (!m) throw unauthorized('operator endpoints need "Authorization: Bearer <HQ_OPERATOR_TOKEN>"');
    if (!timingSafeEqual(digest(m[1] as string), this.expected)) throw unauthorized('wrong operator token');
  }
}
