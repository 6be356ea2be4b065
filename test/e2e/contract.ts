/**
 * Compile-time check (npm run typecheck) that the cashier UI's own view of the API
 * (renderer/src/lib/types.ts) still fits the server's schemas: answers the server sends must
 * be assignable to what the UI reads, and bodies the UI sends to what the server accepts.
 */
import type { z } from 'zod';
import type * as Server from '../../main/api/schemas.js';
import type * as Ui from '../../renderer/src/lib/types.js';

type Fits<Wanted, Given extends Wanted> = Given;

export type Answers = [
  Fits<Ui.MemberSummary, Server.MemberSummary>,
  Fits<Ui.QuoteResponse, Server.QuoteResponse>,
  Fits<Ui.SaleResponse, Server.SaleResponse>,
  Fits<Ui.ReturnResponse, Server.ReturnResponse>,
  Fits<Ui.HealthResponse, Server.HealthResponse>,
];

export type Bodies = [
  Fits<z.input<typeof Server.SaleRequest>, Ui.SaleBody>,
  Fits<z.input<typeof Server.QuoteRequest>, Ui.QuoteBody>,
  Fits<z.input<typeof Server.EnrolRequest>, Ui.EnrolBody>,
  Fits<z.input<typeof Server.ReturnRequest>, Ui.ReturnBody>,
];
