/**
 * POST /v1/staff/adjustments: a manual points adjustment from a signed-in staff session
 * (DOMAIN.md 4: manual adjustments need a supervisor's PIN; 10: attributed and kept).
 *
 * Who approves, as elsewhere in the till (main/api/staff.ts): a supervisor's or admin's own
 * session approves by itself; a cashier's request carries a supervisor's staff number and PIN,
 * checked with the same lockout as sign-in and approvals. The PIN travels in the request
 * instead of an X-Supervisor-Approval header because an adjustment is one request the
 * supervisor reads on the screen and confirms there; the approval cannot outlive it. The POS
 * key cannot adjust: only staff are attributable.
 */
import { z } from 'zod';
import type { TillContext } from '../service/context.js';
import { adjustPoints } from '../service/adjust.js';
import { TillError } from '../service/errors.js';
import type { Route } from './routes.js';
import { PIN_PATTERN, STAFF_ID_PATTERN, type Session, type StaffAuth } from './staff.js';
import { staffOnly } from './staff-routes.js';

export const AdjustmentRequest = z
  .object({
    memberNo: z.string().min(1).max(32),
    points: z.number().int().positive().max(1e9),
    direction: z.enum(['credit', 'debit']),
    reason: z
      .string()
      .trim()
      .min(1, 'a reason is required')
      .max(200)
      .describe('kept sealed beside the ledger entry, not in it; erased with the member'),
    supervisorStaffId: z
      .string()
      .regex(STAFF_ID_PATTERN, '1-32 letters or digits')
      .optional()
      .describe("a cashier's request: the approving supervisor"),
    supervisorPin: z.string().regex(PIN_PATTERN, '4 to 12 digits').optional(),
  })
  .meta({ id: 'AdjustmentRequest' });

export const AdjustmentResponse = z
  .object({
    memberNo: z.string(),
    direction: z.enum(['credit', 'debit']),
    points: z.number().int(),
    balance: z.number().int().describe('after the adjustment, on the merged view'),
    spendable: z.number().int(),
    entry: z.number().int().describe('ledger sequence number written'),
    reason: z.string().describe('the reason as kept (sealed beside the entry, not in it)'),
    staffId: z.string().describe('the approving supervisor or admin'),
    cashierId: z.string().nullable().describe('who keyed it, when not the approver'),
    occurredAt: z.string(),
  })
  .meta({ id: 'AdjustmentResponse' });

type AdjustmentBody = z.output<typeof AdjustmentRequest>;

/** The approving supervisor's staff id, or a refusal. */
function approver(staff: StaffAuth, s: Session, req: AdjustmentBody, client: string | undefined): string {
  const id = req.supervisorStaffId;
  const pin = req.supervisorPin;
  if (id === undefined && pin === undefined) {
    if (s.role === 'supervisor' || s.role === 'admin') return s.staffId;
    throw new TillError('supervisor_required', "a manual adjustment needs a supervisor's PIN", 'supervisorPin');
  }
  if (id === undefined || pin === undefined) {
    const missing = id === undefined ? 'supervisorStaffId' : 'supervisorPin';
    throw new TillError('validation_failed', 'give the supervisor staff number and PIN together', missing);
  }
  try {
    return staff.supervisorByPin(id, pin, 'supervisorStaffId', client).staffId;
  } catch (e) {
    // Name this request's own field, so the screen marks the PIN box.
    if (e instanceof TillError && e.field === 'pin') throw new TillError(e.code, e.message, 'supervisorPin');
    throw e;
  }
}

export function adjustmentRoutes(staff: StaffAuth): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/staff/adjustments',
      operationId: 'adjustPoints',
      summary:
        "Manually credit or debit a member's points with a reason; needs a supervisor (own session, or a cashier with supervisorStaffId + supervisorPin)",
      request: AdjustmentRequest,
      response: AdjustmentResponse,
      successStatus: 201,
      handle: (ctx: TillContext, body, input) => {
        const s = staffOnly(input);
        const req = AdjustmentRequest.parse(body);
        const approvedBy = approver(staff, s, req, input.client);
        const r = adjustPoints(ctx, {
          memberNo: req.memberNo,
          points: req.points,
          direction: req.direction,
          reason: req.reason,
          approvedBy,
          keyedBy: s.staffId,
        });
        return { status: 201, body: r };
      },
    },
  ];
}
