/**
 * Staff sign-in for the cashier UI (ARCHITECTURE.md: one transport, one auth model).
 *
 * - Staff (cashier, supervisor, admin) sign in with their staff number and PIN; the PIN is kept
 *   as scrypt hash + salt in the `staff` table (main/db/crypto.ts) and compared in constant time.
 * - A session is a random bearer token. Only its SHA-256 digest is kept (in memory: a restarted
 *   till signs everyone out). It ends after `idleMinutes` without a request, after
 *   `sessionMinutes` in any case, or at sign-out.
 * - Wrong PINs slow down the client that types them (main/api/signin-delay.ts): a delay per
 *   (client, staff number) and one per staff number over every client but the till's own screen,
 *   never a lockout of the screen. Unknown staff numbers count too and cost the same scrypt, so
 *   the answer and its timing do not reveal which numbers exist.
 * - A session lives only while its staff member does: deactivating or demoting them (the staff
 *   CLI writes the same database) ends it at the next request or event.
 * - Supervisor approvals (DOMAIN.md 4 anti-fraud): a supervisor or admin types their PIN on the
 *   cashier's screen for one named action (redeem N points for member M, a catalogue reward, a
 *   card unblock). The approval is single-use, bound to the cashier's session and the action,
 *   and short-lived. The server, not the UI, demands it: `admit` refuses a cashier's redemption
 *   above the rule set's `supervisorThreshold` without one, and attributes the approved
 *   operation to the supervisor (`staffId` in the ledger entry).
 * - EventSource cannot send an Authorization header, so GET /v1/events accepts a single-use
 *   ticket (`?ticket=`) valid for 30 seconds, issued to a signed-in session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { RewardRedeemRequest, SaleRequest } from './schemas.js';
import { hashPin, verifyPin } from '../db/crypto.js';
import type { Db } from '../db/open.js';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { memberByCode } from '../service/members.js';
import { SignInThrottle, type DelayPolicy } from './signin-delay.js';

export const ROLES = ['cashier', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Staff numbers: what a keypad and a badge can carry. */
export const STAFF_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** PINs: 4 to 12 digits. */
export const PIN_PATTERN = /^\d{4,12}$/;

export interface StaffMember {
  staffId: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
}

interface StaffRow {
  staff_id: string;
  name: string;
  role: Role;
  pin_hash: Buffer;
  pin_salt: Buffer;
  active: number;
  created_at: string;
}

function toMember(r: StaffRow): StaffMember {
  return { staffId: r.staff_id, name: r.name, role: r.role, active: r.active === 1, createdAt: r.created_at };
}

export class StaffDirectory {
  constructor(private readonly db: Db) {}

  private row(staffId: string): StaffRow | null {
    return (this.db.prepare('SELECT * FROM staff WHERE staff_id = ?').get(staffId) as StaffRow | undefined) ?? null;
  }

  get(staffId: string): StaffMember | null {
    const r = this.row(staffId);
    return r ? toMember(r) : null;
  }

  list(): StaffMember[] {
    return (this.db.prepare('SELECT * FROM staff ORDER BY staff_id').all() as StaffRow[]).map(toMember);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM staff WHERE active = 1').get() as { n: number }).n;
  }

  add(m: { staffId: string; name: string; role: Role; pin: string }, at = new Date().toISOString()): StaffMember {
    if (!STAFF_ID_PATTERN.test(m.staffId))
      throw new TillError('validation_failed', 'staff number: 1-32 letters or digits', 'staffId');
    if (!PIN_PATTERN.test(m.pin)) throw new TillError('validation_failed', 'PIN: 4 to 12 digits', 'pin');
    if (!ROLES.includes(m.role)) throw new TillError('validation_failed', `role: one of ${ROLES.join(', ')}`, 'role');
    const name = m.name.trim();
    if (name.length < 1 || name.length > 64)
      throw new TillError('validation_failed', 'name: 1 to 64 characters', 'name');
    if (this.row(m.staffId))
      throw new TillError('idempotency_conflict', `staff ${m.staffId} already exists`, 'staffId');
    const { hash, salt } = hashPin(m.pin);
    this.db
      .prepare(
        'INSERT INTO staff (staff_id, name, role, pin_hash, pin_salt, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)',
      )
      .run(m.staffId, name, m.role, hash, salt, at);
    const saved = this.get(m.staffId);
    if (!saved) throw new Error('staff row vanished');
    return saved;
  }

  setPin(staffId: string, pin: string): boolean {
    if (!PIN_PATTERN.test(pin)) throw new TillError('validation_failed', 'PIN: 4 to 12 digits', 'pin');
    const { hash, salt } = hashPin(pin);
    return (
      this.db.prepare('UPDATE staff SET pin_hash = ?, pin_salt = ? WHERE staff_id = ?').run(hash, salt, staffId)
        .changes === 1
    );
  }

  setActive(staffId: string, active: boolean): boolean {
    return this.db.prepare('UPDATE staff SET active = ? WHERE staff_id = ?').run(active ? 1 : 0, staffId).changes === 1;
  }

  setRole(staffId: string, role: Role): boolean {
    return this.db.prepare('UPDATE staff SET role = ? WHERE staff_id = ?').run(role, staffId).changes === 1;
  }

  /** The staff member when the PIN is right; null otherwise. Costs one scrypt either way. */
  check(staffId: string, pin: string): StaffMember | null {
    const r = this.row(staffId);
    if (!r || r.active !== 1) {
      verifyPin(pin, DUMMY.hash, DUMMY.salt);
      return null;
    }
    return verifyPin(pin, r.pin_hash, r.pin_salt) ? toMember(r) : null;
  }
}

const DUMMY = hashPin('000000', Buffer.alloc(16, 7));

export interface Session {
  /** hex SHA-256 of the bearer token: the session's key, never the token itself */
  id: string;
  staffId: string;
  name: string;
  role: Role;
  startedAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

export type Principal = { kind: 'pos' } | { kind: 'staff'; session: Session };

export type ApprovalAction =
  | { kind: 'redeem_points'; memberNo: string; points: number }
  | { kind: 'redeem_reward'; memberNo: string; rewardId: string }
  | { kind: 'unblock_card'; code: string };

interface Approval {
  action: ApprovalAction;
  supervisor: { staffId: string; name: string; role: Role };
  sessionId: string;
  expiresAt: number;
  inUse: boolean;
}

export interface StaffAuthOptions {
  /** wall clock in ms (sessions and lockouts run on real time, not the till's business clock) */
  now?: () => number;
  sessionMinutes?: number;
  idleMinutes?: number;
  /** sign-in delay policies (tests shorten them) */
  delays?: { pair?: DelayPolicy; staff?: DelayPolicy };
  approvalSeconds?: number;
  ticketSeconds?: number;
}

export const STAFF_AUTH_DEFAULTS = {
  sessionMinutes: 12 * 60,
  idleMinutes: 30,
  delays: {},
  approvalSeconds: 120,
  ticketSeconds: 30,
} as const;

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The result of letting a staff member's request through `admit`: the body to use and a completion hook. */
export interface Admission {
  body: unknown;
  /** call with true when the request succeeded (a used approval is then spent) */
  done(ok: boolean): void;
}

export class StaffAuth {
  readonly directory: StaffDirectory;
  private readonly sessions = new Map<string, Session>();
  private readonly throttle: SignInThrottle;
  private readonly approvals = new Map<string, Approval>();
  private readonly tickets = new Map<string, { sessionId: string; expiresAt: number }>();
  private readonly o: Required<StaffAuthOptions>;

  constructor(
    private readonly ctx: TillContext,
    opts: StaffAuthOptions = {},
  ) {
    this.directory = new StaffDirectory(ctx.db);
    this.o = { now: () => Date.now(), ...STAFF_AUTH_DEFAULTS, ...opts };
    this.throttle = new SignInThrottle(this.o.delays);
  }

  /**
   * First run: with no active admin and `TILL_ADMIN_PIN` set, creates that admin
   * (`TILL_ADMIN_ID`, default 0001). Returns the staff id created, or null.
   */
  ensureFirstAdmin(first: { staffId: string; name: string; pin: string } | null): string | null {
    if (!first) return null;
    const admins = this.directory.list().filter((s) => s.role === 'admin' && s.active);
    if (admins.length > 0 || this.directory.get(first.staffId)) return null;
    this.directory.add({ ...first, role: 'admin' });
    this.ctx.log.log('info', 'staff_first_admin', { staffId: first.staffId });
    return first.staffId;
  }

  /**
   * Checks a PIN typed at `client` (a remote address, or SCREEN for the till's own window). A
   * client still inside its sign-in delay is refused before any PIN is checked.
   */
  private checkPin(
    staffId: string,
    pin: string,
    purpose: 'sign_in' | 'approval',
    client: string,
  ): ReturnType<StaffDirectory['check']> {
    const now = this.o.now();
    const wait = this.throttle.waitMs(client, staffId, now);
    if (wait > 0) {
      this.ctx.log.log('warn', 'staff_signin_delayed', { staffId, purpose, client, waitMs: wait });
      throw new TillError('staff_locked', `too many wrong PINs: try again in ${Math.ceil(wait / 1000)} s`, 'pin');
    }
    const who = PIN_PATTERN.test(pin) ? this.directory.check(staffId, pin) : null;
    if (!who) {
      const failures = this.throttle.failed(client, staffId, now);
      this.ctx.log.log('warn', 'staff_pin_refused', { staffId, purpose, client, failures });
      throw new TillError('invalid_credentials', 'wrong staff number or PIN', 'pin');
    }
    this.throttle.succeeded(client, staffId);
    return who;
  }

  signIn(staffId: string, pin: string, client = 'unknown'): { token: string; session: Session } {
    const who = this.checkPin(staffId, pin, 'sign_in', client);
    if (!who) throw new TillError('invalid_credentials', 'wrong staff number or PIN', 'pin');
    const token = newToken();
    const now = this.o.now();
    const session: Session = {
      id: tokenDigest(token).toString('hex'),
      staffId: who.staffId,
      name: who.name,
      role: who.role,
      startedAt: now,
      expiresAt: now + this.o.sessionMinutes * 60_000,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    this.ctx.log.log('info', 'staff_signed_in', { staffId: who.staffId, role: who.role });
    return { token, session };
  }

  /** The live session for a presented token digest (touching it), or null. */
  sessionByDigest(digest: Buffer): Session | null {
    const s = this.sessions.get(digest.toString('hex'));
    if (!s) return null;
    // The map key is the digest; compare again in constant time for good measure.
    if (!timingSafeEqual(Buffer.from(s.id, 'hex'), digest)) return null;
    if (!this.alive(s)) return null;
    s.lastSeenAt = this.o.now();
    return s;
  }

  /**
   * Whether a session is still valid: not ended, not expired, not idle too long, and its staff
   * member still active in the same role. The staff row is read each time because the staff CLI
   * changes it from another process; a primary-key read costs microseconds.
   */
  alive(s: Session): boolean {
    const now = this.o.now();
    const ok = this.sessions.get(s.id) === s && now < s.expiresAt && now - s.lastSeenAt < this.o.idleMinutes * 60_000;
    if (!ok) {
      this.sessions.delete(s.id);
      return false;
    }
    if (!this.stillHolds(s.staffId, s.role)) {
      this.ctx.log.log('info', 'staff_session_ended', { staffId: s.staffId, reason: 'staff_changed' });
      this.signOut(s);
      return false;
    }
    return true;
  }

  /** The staff member is active and still has `role` (a demotion or deactivation ends what they hold). */
  private stillHolds(staffId: string, role: Role): boolean {
    const now = this.directory.get(staffId);
    return now !== null && now.active && now.role === role;
  }

  idleDeadline(s: Session): number {
    return Math.min(s.expiresAt, s.lastSeenAt + this.o.idleMinutes * 60_000);
  }

  signOut(s: Session): void {
    this.sessions.delete(s.id);
    for (const [k, a] of this.approvals) if (a.sessionId === s.id) this.approvals.delete(k);
    this.ctx.log.log('info', 'staff_signed_out', { staffId: s.staffId });
  }

  /** A single-use ticket for GET /v1/events?ticket=… */
  eventTicket(s: Session): { ticket: string; expiresAt: number } {
    const now = this.o.now();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    const ticket = newToken();
    const expiresAt = now + this.o.ticketSeconds * 1000;
    this.tickets.set(tokenDigest(ticket).toString('hex'), { sessionId: s.id, expiresAt });
    return { ticket, expiresAt };
  }

  redeemTicket(ticket: string): Session | null {
    const key = tokenDigest(ticket).toString('hex');
    const t = this.tickets.get(key);
    if (!t) return null;
    this.tickets.delete(key);
    if (t.expiresAt <= this.o.now()) return null;
    const s = this.sessions.get(t.sessionId);
    return s && this.alive(s) ? s : null;
  }

  /**
   * A supervisor's (or admin's) PIN: the same lockout as sign-in, then the role. Used by
   * `approve` and by requests that carry the PIN themselves (a manual adjustment).
   */
  supervisorByPin(supervisorId: string, pin: string, field: string, client = 'unknown'): StaffMember {
    const who = this.checkPin(supervisorId, pin, 'approval', client);
    if (!who) throw new TillError('invalid_credentials', 'wrong staff number or PIN', 'pin');
    if (who.role !== 'supervisor' && who.role !== 'admin') {
      this.ctx.log.log('warn', 'approval_refused_role', { staffId: who.staffId, role: who.role });
      throw new TillError('forbidden', 'only a supervisor or an admin can approve this', field);
    }
    return who;
  }

  /** A supervisor (or admin) approves one action on this session's screen with their PIN. */
  approve(
    s: Session,
    supervisorId: string,
    pin: string,
    action: ApprovalAction,
    client = 'unknown',
  ): { approval: string; supervisor: Approval['supervisor']; expiresAt: number } {
    const who = this.supervisorByPin(supervisorId, pin, 'supervisorId', client);
    const approval = newToken();
    const now = this.o.now();
    for (const [k, a] of this.approvals) if (a.expiresAt <= now) this.approvals.delete(k);
    const supervisor = { staffId: who.staffId, name: who.name, role: who.role };
    const expiresAt = now + this.o.approvalSeconds * 1000;
    this.approvals.set(tokenDigest(approval).toString('hex'), {
      action,
      supervisor,
      sessionId: s.id,
      expiresAt,
      inUse: false,
    });
    this.ctx.log.log('info', 'supervisor_approved', {
      supervisor: who.staffId,
      cashier: s.staffId,
      action: action.kind,
      ...('memberNo' in action ? { memberNo: action.memberNo } : {}),
      ...(action.kind === 'redeem_points' ? { points: action.points } : {}),
    });
    return { approval, supervisor, expiresAt };
  }

  /**
   * What a staff member's request needs a supervisor for, or null. A redemption counts with the
   * member's redemptions at this till over the last hour (RedemptionGuard.recentPoints), so a
   * large one split into small ones still needs a supervisor; the member is found as the sale
   * finds it (memberByCode: a card's code in any spelling a reader gives, a member QR), so the
   * hour's total is the member's however they are named. Judged on the body the route will see
   * (admit stamps its staffId first); a body that does not validate then passes: the route
   * refuses it too.
   */
  overrideNeeded(method: string, path: string, body: unknown): ApprovalAction | null {
    if (method !== 'POST') return null;
    const now = this.ctx.now();
    const threshold = this.ctx.rules.at(now.toISOString()).redemption.supervisorThreshold;
    const above = (memberNo: string, points: number): boolean =>
      points + this.ctx.redemptions.recentPoints(memberNo, now) > threshold;
    if (path === '/v1/sales') {
      const r = SaleRequest.safeParse(body);
      if (!r.success) return null;
      const points = r.data.tenders.reduce((a, t) => (t.type === 'points' ? a + t.points : a), 0);
      const memberNo = r.data.memberNo ?? r.data.memberCode ?? '';
      const known = r.data.memberNo ?? this.memberOfCode(memberNo);
      if (points === 0 || !above(known, points)) return null;
      return { kind: 'redeem_points', memberNo, points };
    }
    if (path === '/v1/rewards/redeem') {
      const r = RewardRedeemRequest.safeParse(body);
      if (!r.success) return null;
      const reward = this.ctx.rules.at(now.toISOString()).rewards.find((x) => x.id === r.data.rewardId);
      if (!reward || !above(r.data.memberNo, reward.points)) return null;
      return { kind: 'redeem_reward', memberNo: r.data.memberNo, rewardId: reward.id };
    }
    if (path === '/v1/staff/cards/unblock') {
      const code = (body as { code?: unknown } | null)?.code;
      return typeof code === 'string' ? { kind: 'unblock_card', code } : null;
    }
    return null;
  }

  /** The member a scanned code names, as a sale resolves it; the code itself when none (the sale then refuses it). */
  private memberOfCode(code: string): string {
    try {
      return memberByCode(this.ctx, this.ctx.rules.at(this.ctx.now().toISOString()), code).member.memberNo;
    } catch {
      return code;
    }
  }

  /**
   * The gate every staff request passes before its route: the body's `staffId` becomes the
   * signed-in staff member (a cashier cannot act under another number), and an operation that
   * needs a supervisor needs a matching approval (header `X-Supervisor-Approval`), unless the
   * signed-in staff member is a supervisor or admin. An approved operation is attributed to the
   * approving supervisor.
   */
  admit(p: Principal, method: string, path: string, body: unknown, approvalHeader: string | undefined): Admission {
    const none: Admission = { body, done: () => {} };
    if (p.kind === 'pos') return none;
    const s = p.session;
    const stamp = (staffId: string): unknown =>
      body !== null && typeof body === 'object' && !Array.isArray(body) && STAMPED.has(path)
        ? { ...(body as Record<string, unknown>), staffId }
        : body;
    // Judged as the route will see it: a client's own (even invalid) staffId never reaches the route.
    const need = this.overrideNeeded(method, path, stamp(s.staffId));
    let staffId = s.staffId;
    let approvalKey: string | null = null;
    if (need && s.role === 'cashier') {
      if (!approvalHeader) {
        throw new TillError('supervisor_required', supervisorMessage(need), fieldOf(need));
      }
      approvalKey = tokenDigest(approvalHeader).toString('hex');
      const a = this.approvals.get(approvalKey);
      const valid = a && !a.inUse && a.sessionId === s.id && a.expiresAt > this.o.now() && covers(a.action, need);
      // An approval is only as good as its supervisor: one deactivated or demoted since approves nothing.
      if (!a || !valid || !this.stillHolds(a.supervisor.staffId, a.supervisor.role)) {
        throw new TillError(
          'supervisor_required',
          'the supervisor approval is missing, used, expired or for another action',
          fieldOf(need),
        );
      }
      a.inUse = true;
      staffId = a.supervisor.staffId;
      this.ctx.log.log('info', 'supervisor_override', {
        supervisor: a.supervisor.staffId,
        cashier: s.staffId,
        action: need.kind,
      });
    }
    return {
      body: stamp(staffId),
      done: (ok) => {
        if (approvalKey === null) return;
        const a = this.approvals.get(approvalKey);
        if (!a) return;
        if (ok) this.approvals.delete(approvalKey);
        else a.inUse = false;
      },
    };
  }
}

/** Routes whose request carries `staffId`: it is set from the session, never from the client. */
const STAMPED = new Set([
  '/v1/sales',
  '/v1/baskets/quote',
  '/v1/returns',
  '/v1/members',
  '/v1/rewards/redeem',
  '/v1/staff/cards/unblock',
  '/v1/staff/cards/block',
  '/v1/staff/cards/link',
]);

function covers(approved: ApprovalAction, need: ApprovalAction): boolean {
  switch (need.kind) {
    case 'redeem_points':
      return approved.kind === 'redeem_points' && approved.memberNo === need.memberNo && need.points <= approved.points;
    case 'redeem_reward':
      return (
        approved.kind === 'redeem_reward' && approved.memberNo === need.memberNo && approved.rewardId === need.rewardId
      );
    case 'unblock_card':
      return approved.kind === 'unblock_card' && approved.code === need.code;
    default: {
      const never: never = need;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function fieldOf(a: ApprovalAction): string {
  return a.kind === 'redeem_points' ? 'tenders' : a.kind === 'redeem_reward' ? 'rewardId' : 'code';
}

function supervisorMessage(a: ApprovalAction): string {
  switch (a.kind) {
    case 'redeem_points':
      return `redeeming ${a.points} points is above the supervisor threshold: a supervisor's PIN is needed`;
    case 'redeem_reward':
      return `reward ${a.rewardId} is above the supervisor threshold: a supervisor's PIN is needed`;
    case 'unblock_card':
      return "unblocking a card needs a supervisor's PIN";
    default:
      return "a supervisor's PIN is needed";
  }
}

/**
 * The POS API key, changeable at run time (admin settings: rotate). A key from
 * TILL_POS_API_KEY belongs to the environment and cannot be rotated from the till.
 *
 * Only the key's digest is kept: nothing in the till can hand the key in force to a browser
 * session. An admin sees its fingerprint; a new key is shown once, in the rotation's answer, so
 * the POS can be given it (a hijacked admin session can break the POS, never borrow its key
 * quietly). Rotation ends every event stream opened with the old key (`onRotate`).
 */
export class PosKey {
  private keyDigest: Buffer;
  private readonly rotated = new Set<() => void>();

  constructor(
    key: string,
    readonly file: string,
    readonly fromEnvironment: boolean,
  ) {
    this.keyDigest = tokenDigest(key);
  }

  /** The first 8 hex digits of the key's SHA-256: `printf %s "$KEY" | sha256sum` begins with them. */
  fingerprint(): string {
    return this.keyDigest.subarray(0, 4).toString('hex');
  }

  /** Constant-time comparison of a presented token's digest with the key's. */
  matches(presentedDigest: Buffer): boolean {
    return timingSafeEqual(presentedDigest, this.keyDigest);
  }

  /** Called after every rotation; returns the unsubscribe function. */
  onRotate(listener: () => void): () => void {
    this.rotated.add(listener);
    return () => this.rotated.delete(listener);
  }

  rotate(): string {
    if (this.fromEnvironment) {
      throw new TillError('pos_key_from_environment', 'the POS key is set by TILL_POS_API_KEY; change it there');
    }
    const key = randomBytes(24).toString('base64url');
    writeFileSync(this.file, `${key}\n`, { mode: 0o600 });
    chmodSync(this.file, 0o600);
    this.keyDigest = tokenDigest(key);
    for (const listener of [...this.rotated]) listener();
    return key;
  }
}
