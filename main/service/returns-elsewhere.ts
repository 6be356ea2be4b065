/**
 * A return may be taken at any store (DOMAIN.md 12). Before a return's transaction, this asks
 * head office what the till cannot know itself: the original sale when it was rung up at
 * another till, and, for a sale of this till, the returns other tills took against it. The
 * network is asked here, never inside the transaction; a replay needs no network at all.
 */
import { OriginalSale } from '../../core/sync/protocol.js';
import type { ReturnRequest } from '../api/schemas.js';
import { HqUnreachableError, type HqAnswer } from '../sync/client.js';
import type { HqSales, TillContext } from './context.js';
import { TillError } from './errors.js';

/**
 * Head office's copy of the sale the return takes back, or null when the till decides alone:
 * a replay, a standalone till (it is the whole chain), a sale of this till while offline or
 * while head office does not answer (the till then knows its own returns only).
 */
export async function originalFromHq(ctx: TillContext, req: ReturnRequest): Promise<OriginalSale | null> {
  if (ctx.sales.returnById(req.returnId)) return null;
  const hq = ctx.hqSales;
  if (!ctx.connected || !hq) return null;
  if (ctx.sales.sale(req.originalSaleId)) return ctx.isOnline() ? ownSaleAtHq(ctx, hq, req.originalSaleId) : null;
  if (!ctx.isOnline()) throw elsewhere(req, 'this till is offline, so head office cannot be asked for it');
  const sale = await foreignSale(hq, req);
  // The member's merged state must hold the sale's points before they are taken back here.
  await hq.refresh();
  return sale;
}

const AT_ITS_STORE = 'take the return at the store of the sale';
const OR_LATER = `${AT_ITS_STORE}, or here once head office answers`;

function elsewhere(req: ReturnRequest, why: string, what = OR_LATER): TillError {
  return new TillError(
    'original_sale_elsewhere',
    `sale ${req.originalSaleId} was not rung up at this till and ${why}: ${what}`,
    'originalSaleId',
  );
}

/** This till's own sale as head office holds it: for the returns other tills took. Best effort. */
async function ownSaleAtHq(ctx: TillContext, hq: HqSales, saleId: string): Promise<OriginalSale | null> {
  try {
    const res = await hq.lookup(saleId, { tillId: ctx.identity.tillId });
    // 404: not uploaded yet, so no other till can have taken a return against it.
    if (res.status === 404) return null;
    const sale = res.status === 200 ? OriginalSale.safeParse(res.body) : null;
    if (sale?.success) return sale.data;
    ctx.log.log('warn', 'own_sale_lookup_failed', { saleId, status: res.status });
  } catch (e) {
    if (!(e instanceof HqUnreachableError)) throw e;
    ctx.log.log('warn', 'own_sale_lookup_failed', { saleId, message: e.message });
  }
  return null;
}

/** The sale of another till; every way head office cannot give it is a refusal, never a 500. */
async function foreignSale(hq: HqSales, req: ReturnRequest): Promise<OriginalSale> {
  let res: HqAnswer;
  try {
    res = await hq.lookup(req.originalSaleId);
  } catch (e) {
    if (e instanceof HqUnreachableError) throw elsewhere(req, 'head office could not be reached');
    throw e;
  }
  switch (res.status) {
    case 200: {
      const sale = OriginalSale.safeParse(res.body);
      if (sale.success) return sale.data;
      throw elsewhere(req, "head office's answer about it could not be read");
    }
    case 404:
      throw new TillError(
        'unknown_sale',
        `no sale ${req.originalSaleId} on this till or at head office (a sale reaches head office with its till's ` +
          'next upload)',
        'originalSaleId',
      );
    case 409:
      throw elsewhere(req, 'several stores have a sale of that number', AT_ITS_STORE);
    case 422:
      throw elsewhere(req, "its till's version did not send what a return at another store needs", AT_ITS_STORE);
    default:
      throw elsewhere(req, `head office answered ${res.status}`);
  }
}
