/**
 * Operators (issue 11, item 7). Each operator has a role and a bearer token of their own,
 * issued by `npm run headoffice -- add-operator --id <id> --role <role>` (printed once, kept as
 * its SHA-256), and every action is attributed to the operator the token names.
 *
 * | role    | may                                                                           |
 * | ------- | ----------------------------------------------------------------------------- |
 * | viewer  | read: a member, tills, the summary                                            |
 * | analyst | read, and export a member's data                                              |
 * | admin   | everything: adjust, win-back, erase, close cases, clear chains, publish rules, |
 * |         | run the end of day, refresh segments                                          |
 *
 * The shared token (CONTRACTS.md HQ_OPERATOR_TOKEN, or the one generated on first start and
 * kept as its SHA-256) only bootstraps: it acts as an admin until the first named admin
 * exists, and is refused from then on. While it is in use the operator id in a request body is
 * the caller's word (as before named operators); with a named operator's token the body's
 * `operatorId`, still required, must equal the authenticated id (403 `operator_mismatch`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError, unauthorized } from '../http/errors.js';
import type { HqStore } from '../store/types.js';

const META_KEY = 'operator_token_sha256';

export type OperatorRole = 'viewer' | 'analyst' | 'admin';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['viewer', 'analyst', 'admin'];

const RANK: Record<OperatorRole, number> = { viewer: 0, analyst: 1, admin: 2 };

/** Who made a request: a named operator, or the bootstrap token (id taken from the body). */
export type Principal = { kind: 'named'; id: string; role: OperatorRole } | { kind: 'bootstrap'; role: 'admin' };

export const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function newOperatorToken(): string {
  return randomBytes(32).toString('base64url');
}

export class OperatorAuth {
  private constructor(
    private readonly store: HqStore,
    private readonly bootstrap: Buffer,
  ) {}

  /** `generated` is the new token when one was just created, null otherwise. */
  static async setup(
    store: HqStore,
    envToken: string | null | undefined,
  ): Promise<{ auth: OperatorAuth; generated: string | null }> {
    if (envToken) return { auth: new OperatorAuth(store, digest(envToken)), generated: null };
    const stored = await store.getMeta(META_KEY);
    if (stored) return { auth: new OperatorAuth(store, Buffer.from(stored, 'hex')), generated: null };
    const token = newOperatorToken();
    // Two processes starting at once on a new database: the first's digest stands, and only it
    // prints its token (the other's would open nothing).
    const held = await store.claimMeta(META_KEY, digest(token).toString('hex'));
    const mine = held === digest(token).toString('hex');
    return { auth: new OperatorAuth(store, Buffer.from(held, 'hex')), generated: mine ? token : null };
  }

  /** The caller, when their role reaches `need`; 401 without a valid token, 403 below the role. */
  async check(req: IncomingMessage, need: OperatorRole): Promise<Principal> {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization?.trim() ?? '');
    if (!m) throw unauthorized('operator endpoints need "Authorization: Bearer <operator token>"');
    const d = digest(m[1] as string);
    const named = await this.store.operatorByDigest(d);
    const who: Principal | null = named
      ? { kind: 'named', ...named }
      : timingSafeEqual(d, this.bootstrap) && !(await this.store.hasAdmin())
        ? { kind: 'bootstrap', role: 'admin' }
        : null;
    if (!who) throw unauthorized('wrong operator token');
    if (RANK[who.role] < RANK[need]) {
      throw new HttpError(403, 'forbidden', `this needs the ${need} role; the token is a ${who.role}'s`);
    }
    return who;
  }
}

/** The operator id an action is attributed to: the authenticated one, never another's. */
export function attributedId(who: Principal, bodyId: string): string {
  if (who.kind === 'bootstrap') return bodyId;
  if (bodyId !== who.id) {
    throw new HttpError(403, 'operator_mismatch', `the token is ${who.id}'s, not ${bodyId}'s`, {}, 'operatorId');
  }
  return who.id;
}
