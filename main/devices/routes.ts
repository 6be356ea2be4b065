/**
 * The device simulator's endpoint (TILL_DEVICES=simulated), for demos, tests and
 * `npm run scan`:
 *
 *   POST /v1/devices/simulate  {kind: "scan" | "tap", code}
 *
 * "scan" reads `code` on the simulated barcode scanner, "tap" presents a card with UID `code`
 * to the simulated NFC reader; the read then goes exactly where a real one goes (`card` and
 * `member` events, identification). The answer says what came of it.
 *
 * The route exists only when the till runs simulated devices and listens on loopback, and only
 * the POS key may call it: a simulated scan identifies a member, which is not something a
 * network neighbour or a signed-in cashier's browser should be able to fake.
 */
import { z } from 'zod';
import type { Route } from '../api/routes.js';
import type { DeviceManager } from './manager.js';

export const SimulateRequest = z
  .object({
    kind: z.enum(['scan', 'tap']).describe('scan: a barcode or member QR; tap: an NFC card UID'),
    code: z.string().min(1).max(256),
  })
  .meta({ id: 'SimulateRequest' });

export const SimulateResponse = z
  .object({
    device: z.string(),
    code: z.string().describe('as normalised: barcode payload, canonical UID, member QR text'),
    kind: z.enum(['barcode', 'nfc', 'qr']),
    outcome: z.enum(['identified', 'refused', 'debounced']),
    memberNo: z.string().optional(),
    error: z.string().optional().describe('why it was refused (misread_check_digit, unknown_card, ...)'),
  })
  .meta({ id: 'SimulateResponse' });

export function deviceRoutes(manager: DeviceManager): Route[] {
  if (!manager.simulated || !manager.loopbackOnly) return [];
  return [
    {
      method: 'POST',
      path: '/v1/devices/simulate',
      operationId: 'simulateDevice',
      summary: 'TILL_DEVICES=simulated only, POS key only: scan a code or tap an NFC card on the simulated readers',
      request: SimulateRequest,
      response: SimulateResponse,
      successStatus: 200,
      handle: (_ctx, body, input) => {
        if (input.principal && input.principal.kind !== 'pos') {
          return {
            status: 403,
            body: { error: { code: 'pos_key_required', message: 'only the POS key may drive the simulated readers' } },
          };
        }
        const req = SimulateRequest.parse(body);
        const r = manager.simulate(req.kind, req.code);
        if (!r) {
          return {
            status: 409,
            body: { error: { code: 'device_not_ready', message: 'the simulated reader is not connected' } },
          };
        }
        return { status: 200, body: r };
      },
    },
  ];
}
