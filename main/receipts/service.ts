/**
 * The print service: the durable queue's worker, the printer's state for the cashier's screen
 * and /v1/health, reprints, and receipts rendered on request.
 *
 * A member sale's receipt is queued after the sale commits. One worker prints jobs in order:
 * it asks the printer's status first (nothing is sent to a printer that is absent, offline,
 * out of paper or open), writes the whole receipt, and marks the job printed only once the
 * printer answers ready after taking every byte. Any failure leaves the job pending and the
 * worker retries with backoff (doubling from retryMinMs to retryMaxMs), so a printer that is
 * switched on later, refilled, or reconnected prints each waiting receipt once, whole.
 */
import { describePrinter, type PaperWidth, type PrinterConfig } from '../../native/printers/config.js';
import { createTransport, Printer, type ConfiguredPrinter, type StatusReading } from '../../native/printers/printer.js';
import type { PrinterState } from '../../native/printers/status.js';
import type { PrinterTransport } from '../../native/printers/transport.js';
import type { PrinterHealth } from '../api/schemas.js';
import type { ReceiptHooks, TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { buildReceiptModel, type ReceiptLang, type ReceiptModel, type SurveyLink } from './model.js';
import { PrintQueue, type PrintJob } from './queue.js';
import { renderEscPos, renderPng, renderText } from './render.js';

export interface PrintServiceOptions {
  printer: PrinterConfig;
  /** TILL_STORE_NAME; the store id is printed when null */
  storeName: string | null;
  /** default receipt language (TILL_RECEIPT_LANG) */
  lang: ReceiptLang;
  /** the survey QR's member page and key (TILL_MEMBER_PAGE_URL, the till secret); absent: none printed */
  survey?: SurveyLink | null;
  retryMinMs?: number;
  retryMaxMs?: number;
  statusTimeoutMs?: number;
  /** how long the printer may take to answer after a job (default 5 s) */
  confirmTimeoutMs?: number;
  /** how often an idle printer is asked for its status, so the screen shows paper out before a sale (0 = never) */
  idlePollMs?: number;
  /** pending receipts older than this are given up: nobody waits a day for a receipt */
  maxJobAgeMs?: number;
  /** on start, queue receipts of member sales recorded this recently that have no job (a stop between commit and enqueue) */
  recoverWindowMs?: number;
  /** a transport to use instead of the one TILL_PRINTER names (simulators) */
  transport?: PrinterTransport;
}

export class NoPrinterError extends Error {
  readonly code = 'no_printer';
  constructor() {
    super('no receipt printer is configured (TILL_PRINTER=none)');
    this.name = 'NoPrinterError';
  }
}

export type ReceiptFormat = 'text' | 'escpos' | 'png';

interface PrinterView {
  state: PrinterState;
  paperLow: boolean;
  lastError: string | null;
  checkedAt: string | null;
  lastPrintedAt: string | null;
}

export class PrintService implements ReceiptHooks {
  readonly queue: PrintQueue;
  readonly config: PrinterConfig;
  private readonly printer: Printer | null;
  private readonly o: Required<Omit<PrintServiceOptions, 'transport' | 'printer' | 'storeName' | 'survey'>> & {
    storeName: string | null;
    survey: SurveyLink | null;
  };
  private view: PrinterView;
  private lastQueued = -1;
  private running: Promise<void> | null = null;
  private stopped = false;
  private idle = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly ctx: TillContext,
    opts: PrintServiceOptions,
  ) {
    this.config = opts.printer;
    this.queue = new PrintQueue(ctx.db);
    this.o = {
      storeName: opts.storeName,
      survey: opts.survey ?? null,
      lang: opts.lang,
      retryMinMs: opts.retryMinMs ?? 1000,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
      statusTimeoutMs: opts.statusTimeoutMs ?? 1500,
      confirmTimeoutMs: opts.confirmTimeoutMs ?? 5000,
      idlePollMs: opts.idlePollMs ?? 30_000,
      maxJobAgeMs: opts.maxJobAgeMs ?? 24 * 3600_000,
      recoverWindowMs: opts.recoverWindowMs ?? 10 * 60_000,
    };
    const c = opts.printer;
    this.printer =
      c.kind === 'none'
        ? null
        : new Printer(opts.transport ?? createTransport(c as ConfiguredPrinter), {
            status: c.status,
            statusTimeoutMs: this.o.statusTimeoutMs,
            confirmTimeoutMs: this.o.confirmTimeoutMs,
          });
    this.view = {
      state: c.kind === 'none' ? 'none' : 'unknown',
      paperLow: false,
      lastError: null,
      checkedAt: null,
      lastPrintedAt: null,
    };
  }

  get width(): PaperWidth {
    return this.config.kind === 'none' ? 80 : this.config.width;
  }

  /** Starts the worker (no-op without a printer). */
  start(): void {
    if (!this.printer || this.running) return;
    const now = this.ctx.now();
    const recovered = this.queue.recoverSince(
      new Date(now.getTime() - this.o.recoverWindowMs).toISOString(),
      this.o.lang,
      now.toISOString(),
    );
    if (recovered > 0) this.ctx.log.log('warn', 'print_jobs_recovered', { jobs: recovered });
    this.ctx.log.log('info', 'printer_configured', { printer: describePrinter(this.config) });
    this.running = this.loop().catch((e: unknown) => {
      this.ctx.log.log('error', 'print_worker_crashed', { error: e instanceof Error ? e.message : String(e) });
    });
  }

  /** Stops the worker after the job in hand (waits at most `graceMs` for it). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.printer?.dispose().catch(() => undefined);
  }

  // ReceiptHooks

  saleCommitted(saleId: string, memberNo: string | null): void {
    // Only member sales carry loyalty news; an anonymous sale's receipt can still be printed on request.
    if (!this.printer || memberNo === null) return;
    try {
      const job = this.queue.enqueue(saleId, 'sale', this.o.lang, this.ctx.now().toISOString());
      if (job) this.ctx.log.log('info', 'receipt_queued', { saleId, jobId: job.jobId });
      this.changed();
      this.kick();
    } catch (e) {
      // The sale is committed whatever happens here; the restart recovery picks a lost enqueue up.
      this.ctx.log.log('error', 'receipt_enqueue_failed', {
        saleId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  configuredStoreName(): string | null {
    return this.o.storeName;
  }

  printerHealth(): PrinterHealth {
    return {
      configured: this.printer !== null,
      target: this.printer ? describePrinter(this.config) : null,
      state: this.view.state,
      paperLow: this.view.paperLow,
      queuedJobs: this.printer ? this.queue.pendingCount() : 0,
      lastError: this.view.lastError,
      checkedAt: this.view.checkedAt,
      lastPrintedAt: this.view.lastPrintedAt,
    };
  }

  // API

  /**
   * A receipt printed on request, one slip per sale (issue 14): while the sale's own receipt
   * waits in the queue that job is the answer and nothing is added; a sale that never had one
   * (anonymous sales are not queued by themselves) prints its first slip, unmarked; a sale whose
   * own receipt already printed (or was given up) gets a reprint, marked as such.
   * Throws unknown_sale for a sale this till never recorded, NoPrinterError without a printer.
   */
  print(saleId: string, lang?: ReceiptLang): { job: PrintJob; alreadyQueued: boolean } {
    if (!this.ctx.sales.sale(saleId)) {
      throw new TillError('unknown_sale', `no sale ${saleId} was recorded at this till`, 'saleId');
    }
    if (!this.printer) throw new NoPrinterError();
    const own = this.queue.jobsOfSale(saleId).find((j) => j.kind === 'sale');
    if (own?.status === 'pending') return { job: own, alreadyQueued: true };
    if (own) return { job: this.reprint(saleId, lang), alreadyQueued: false };
    const job = this.queue.enqueue(saleId, 'sale', lang ?? this.o.lang, this.ctx.now().toISOString());
    if (!job) throw new Error('receipt job was not queued');
    this.ctx.log.log('info', 'receipt_queued', { saleId, jobId: job.jobId, onRequest: true });
    this.changed();
    this.kick();
    return { job, alreadyQueued: false };
  }

  /** Queues a reprint. Throws unknown_sale for a sale this till never recorded, NoPrinterError without a printer. */
  reprint(saleId: string, lang?: ReceiptLang): PrintJob {
    if (!this.ctx.sales.sale(saleId)) {
      throw new TillError('unknown_sale', `no sale ${saleId} was recorded at this till`, 'saleId');
    }
    if (!this.printer) throw new NoPrinterError();
    const job = this.queue.enqueue(saleId, 'reprint', lang ?? this.o.lang, this.ctx.now().toISOString());
    if (!job) throw new Error('reprint job was not queued');
    this.ctx.log.log('info', 'receipt_reprint_queued', { saleId, jobId: job.jobId });
    this.changed();
    this.kick();
    return job;
  }

  model(saleId: string, reprint = false): ReceiptModel {
    return buildReceiptModel(this.ctx, saleId, { storeName: this.o.storeName, reprint, survey: this.o.survey });
  }

  render(
    saleId: string,
    format: ReceiptFormat,
    opts: { lang?: ReceiptLang; width?: PaperWidth } = {},
  ): { contentType: string; body: Buffer | string } {
    const m = this.model(saleId);
    const r = {
      lang: opts.lang ?? this.o.lang,
      width: opts.width ?? this.width,
      encoding: this.config.kind === 'none' ? ('gb18030' as const) : this.config.encoding,
    };
    switch (format) {
      case 'text':
        return { contentType: 'text/plain; charset=utf-8', body: renderText(m, r) };
      case 'escpos':
        return { contentType: 'application/octet-stream', body: renderEscPos(m, r) };
      case 'png':
        return { contentType: 'image/png', body: renderPng(m, r) };
      default: {
        const never: never = format;
        throw new TillError('bad_request', `unknown format ${String(never)}`, 'format');
      }
    }
  }

  /** Resolves once no job is pending (tests, orderly shutdown of demos). */
  async drained(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.pendingCount() > 0) {
      if (Date.now() > until) throw new Error(`${this.queue.pendingCount()} print jobs still pending`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // The worker

  private kick(): void {
    if (this.idle) this.wake?.();
  }

  private sleep(ms: number, idle: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.idle = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.idle = idle;
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    const printer = this.printer;
    if (!printer) return;
    let delay = this.o.retryMinMs;
    let lastPoll = 0;
    while (!this.stopped) {
      const now = this.ctx.now();
      const expired = this.queue.expire(new Date(now.getTime() - this.o.maxJobAgeMs).toISOString());
      if (expired > 0) {
        this.ctx.log.log('warn', 'print_jobs_expired', { jobs: expired });
        this.changed();
      }
      const job = this.queue.next();
      if (!job) {
        delay = this.o.retryMinMs;
        if (this.o.idlePollMs > 0 && Date.now() - lastPoll >= this.o.idlePollMs) {
          lastPoll = Date.now();
          const s = await printer.status();
          if (this.stopped) break;
          this.observe(s, null);
          continue;
        }
        await this.sleep(this.o.idlePollMs > 0 ? this.o.idlePollMs : 3_600_000, true);
        continue;
      }
      const ok = await this.attempt(printer, job);
      if (this.stopped) break;
      if (ok) {
        delay = this.o.retryMinMs;
        lastPoll = Date.now();
        continue;
      }
      await this.sleep(delay, false);
      delay = Math.min(delay * 2, this.o.retryMaxMs);
    }
  }

  /** One try at one job; true when the queue moved on (printed, or the job can never print). */
  private async attempt(printer: Printer, job: PrintJob): Promise<boolean> {
    const c = this.config as ConfiguredPrinter;
    let bytes: Buffer;
    try {
      bytes = renderEscPos(this.model(job.saleId, job.kind === 'reprint'), {
        lang: job.lang,
        width: c.width,
        encoding: c.encoding,
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.queue.failed(job.jobId, `cannot render: ${error}`);
      this.ctx.log.log('error', 'receipt_render_failed', { jobId: job.jobId, saleId: job.saleId, error });
      this.changed();
      return true;
    }
    const outcome = await printer.print(bytes);
    const at = this.ctx.now().toISOString();
    if (outcome.ok) {
      this.queue.printed(job.jobId, at, outcome.bytes, printer.target);
      this.view.lastPrintedAt = at;
      this.ctx.log.log('info', 'receipt_printed', {
        jobId: job.jobId,
        saleId: job.saleId,
        kind: job.kind,
        bytes: outcome.bytes,
        attempts: job.attempts + 1,
      });
      this.observe(outcome.status, null);
      return true;
    }
    this.queue.attemptFailed(job.jobId, at, `${outcome.stage}: ${outcome.error}`);
    if (job.attempts === 0 || this.view.state !== outcome.status.state) {
      this.ctx.log.log('warn', 'receipt_not_printed', {
        jobId: job.jobId,
        saleId: job.saleId,
        stage: outcome.stage,
        state: outcome.status.state,
        error: outcome.error,
      });
    }
    this.observe(outcome.status, outcome.error);
    return false;
  }

  /** Records what the printer said and tells the screen when something changed. */
  private observe(s: StatusReading, error: string | null): void {
    const before = this.view;
    this.view = {
      ...before,
      state: s.state,
      paperLow: s.paperLow,
      lastError: error ?? (s.state === 'ready' || s.state === 'unknown' ? before.lastError : s.detail),
      checkedAt: this.ctx.now().toISOString(),
    };
    if (before.state !== s.state) {
      this.ctx.events.publish({ type: 'device', device: 'printer', state: s.state });
      this.ctx.log.log(s.state === 'ready' || s.state === 'unknown' ? 'info' : 'warn', 'printer_state', {
        from: before.state,
        to: s.state,
        detail: s.detail,
      });
    }
    this.changed(before.state !== s.state || before.paperLow !== s.paperLow);
  }

  /** Publishes a `printer` event when the state, the paper or the queue length changed. */
  private changed(force = false): void {
    const queued = this.printer ? this.queue.pendingCount() : 0;
    if (!force && queued === this.lastQueued) return;
    this.lastQueued = queued;
    this.ctx.events.publish({
      type: 'printer',
      state: this.view.state,
      paperLow: this.view.paperLow,
      queuedJobs: queued,
      lastError: this.view.lastError,
    });
  }
}
