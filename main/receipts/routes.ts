/**
 * The receipt endpoints of the POS API (CONTRACTS.md):
 *
 *   POST /v1/sales/{saleId}/receipt/print   print on request, one slip per sale -> 202 {jobId, kind, ...}
 *   GET  /v1/sales/{saleId}/receipt         ?format=text|escpos|png &lang=zh-CN|en &width=58|80
 *
 * A sale this till never recorded is 404 unknown_sale; a bad format, language or width is
 * 400 validation_failed; a print request without a printer configured is 409 no_printer.
 */
import { z } from 'zod';
import type { Route, RouteAnswer } from '../api/routes.js';
import type { ReceiptLang } from './model.js';
import { NoPrinterError, type PrintService } from './service.js';

const Lang = z
  .enum(['zh-CN', 'zh', 'en'])
  .optional()
  .describe('receipt language; default TILL_RECEIPT_LANG (zh-CN)')
  .transform((l): ReceiptLang | undefined => (l === 'zh' ? 'zh-CN' : l));

export const ReceiptQuery = z.object({
  format: z.enum(['text', 'escpos', 'png']).default('text'),
  lang: Lang,
  width: z
    .enum(['58', '80'])
    .optional()
    .describe('paper width in mm; default the configured printer')
    .transform((w) => (w === undefined ? undefined : w === '58' ? (58 as const) : (80 as const))),
});

export const PrintQuery = z.object({ lang: Lang });

export const PrintAccepted = z
  .object({
    jobId: z.number().int(),
    saleId: z.string(),
    status: z.literal('queued'),
    kind: z
      .enum(['sale', 'reprint'])
      .describe("sale: the sale's own receipt (first slip); reprint: a further copy, printed marked as a reprint"),
    alreadyQueued: z
      .boolean()
      .describe("true when the sale's own receipt was already waiting to print: nothing was added (one slip per sale)"),
    queuedJobs: z.number().int().describe('receipts waiting to print, this one included'),
    printer: z.object({ state: z.string(), target: z.string().nullable() }),
  })
  .meta({ id: 'PrintAccepted' });

const ReceiptBody = z
  .string()
  .describe('text/plain; charset=utf-8 (format=text), application/octet-stream ESC/POS bytes (escpos), image/png (png)')
  .meta({ id: 'Receipt' });

function queryObject(q: URLSearchParams): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of q) o[k] = v;
  return o;
}

export function receiptRoutes(service: PrintService): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/sales/{saleId}/receipt/print',
      operationId: 'printReceipt',
      summary:
        'Print the loyalty receipt of a recorded sale: its own receipt if still waiting (nothing added) or never queued, else a reprint; printed when the printer can',
      query: PrintQuery,
      response: PrintAccepted,
      successStatus: 202,
      handle: (_ctx, _body, input): RouteAnswer => {
        const q = PrintQuery.parse(queryObject(input.query));
        try {
          const { job, alreadyQueued } = service.print(input.params.saleId ?? '', q.lang);
          const h = service.printerHealth();
          return {
            status: 202,
            body: {
              jobId: job.jobId,
              saleId: job.saleId,
              status: 'queued',
              kind: job.kind,
              alreadyQueued,
              queuedJobs: h.queuedJobs,
              printer: { state: h.state, target: h.target },
            },
          };
        } catch (e) {
          if (e instanceof NoPrinterError) {
            return { status: 409, body: { error: { code: e.code, message: e.message } } };
          }
          throw e;
        }
      },
    },
    {
      method: 'GET',
      path: '/v1/sales/{saleId}/receipt',
      operationId: 'getReceipt',
      summary: 'The loyalty receipt of a recorded sale as text, ESC/POS bytes or a PNG preview',
      query: ReceiptQuery,
      response: ReceiptBody,
      successStatus: 200,
      handle: (_ctx, _body, input): RouteAnswer => {
        const q = ReceiptQuery.parse(queryObject(input.query));
        const r = service.render(input.params.saleId ?? '', q.format, {
          ...(q.lang ? { lang: q.lang } : {}),
          ...(q.width ? { width: q.width } : {}),
        });
        return { status: 200, body: r.body, contentType: r.contentType };
      },
    },
  ];
}
