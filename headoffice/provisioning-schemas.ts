/**
 * Issuing many tills at once (`POST /v1/tills`, admin operators): the request and answer as
 * zod schemas, one source for types, validation and the OpenAPI document. The one-till path
 * is `npm run headoffice -- add-till` (provision.ts); both issue identities the same way.
 */
import { z } from 'zod';
import { TillId } from '../core/sync/protocol.js';

/**
 * A store's or a till's name as head office registers it (issue 13 item 8): 1-64 characters
 * after trimming, no control characters (it is shown on pages and in CSV files).
 */
export const PlaceName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

/** Tills one request may issue; a chain provisions more in several requests. */
export const MAX_TILLS_PER_REQUEST = 1000;

export const ProvisionTillsRequest = z
  .strictObject({
    tills: z
      .array(
        z.strictObject({
          storeId: TillId,
          tillId: TillId,
          storeName: PlaceName.optional().describe("the store's name (replaces the store's current one)"),
          tillName: PlaceName.optional().describe("the till's name"),
        }),
      )
      .min(1)
      .max(MAX_TILLS_PER_REQUEST),
  })
  .meta({ id: 'ProvisionTillsRequest' });

const Issued = z.object({
  tillId: z.string(),
  storeId: z.string(),
  status: z.literal('issued'),
  secret: z.string().describe("the till's TILL_SECRET: shown in this answer only, never again"),
});

const Refused = z.object({
  tillId: z.string(),
  storeId: z.string(),
  status: z.literal('refused'),
  code: z.enum(['till_exists', 'bad_id']),
  message: z.string(),
});

export const ProvisionTillsAnswer = z
  .object({
    issued: z.number().int().describe('how many tills were issued'),
    refused: z.number().int().describe('how many were refused (each says why); nothing of those was written'),
    tills: z.array(z.discriminatedUnion('status', [Issued, Refused])).describe('in request order'),
    hqPublicKey: z
      .string()
      .describe(
        "every issued till's TILL_HQ_PUBLIC_KEY: the key it verifies head office's answers with " +
          '(while head office rotates that key, the current and the next, comma-separated)',
      ),
  })
  .meta({ id: 'ProvisionTillsAnswer' });

/** POST /v1/stores/{storeId}/name and POST /v1/tills/{tillId}/name (admin). */
export const RenameRequest = z
  .strictObject({
    operatorId: z.string().min(1).max(64),
    name: PlaceName,
  })
  .meta({ id: 'RenameRequest' });

export const RenameAnswer = z
  .object({
    status: z.literal('renamed'),
    kind: z.enum(['store', 'till']),
    id: z.string(),
    name: z.string(),
    previous: z.string().nullable().describe('the name it had, null when none'),
  })
  .meta({ id: 'RenameAnswer' });

export type ProvisionTillsRequest = z.output<typeof ProvisionTillsRequest>;
export type ProvisionTillsAnswer = z.output<typeof ProvisionTillsAnswer>;
export type RenameAnswer = z.output<typeof RenameAnswer>;
