/** The print queue's table (migration 002): jobs in order, each printed at most once. */
import type { Db } from '../db/open.js';
import type { ReceiptLang } from './model.js';

export type JobKind = 'sale' | 'reprint';
export type JobStatus = 'pending' | 'printed' | 'expired' | 'failed';

export interface PrintJob {
  jobId: number;
  saleId: string;
  kind: JobKind;
  lang: ReceiptLang;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  printedAt: string | null;
  bytes: number | null;
  printer: string | null;
}

const COLUMNS = `job_id AS jobId, sale_id AS saleId, kind, lang, status, attempts, last_error AS lastError,
  created_at AS createdAt, last_attempt_at AS lastAttemptAt, printed_at AS printedAt, bytes, printer`;

export class PrintQueue {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO print_jobs (sale_id, kind, lang, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      get: db.prepare(`SELECT ${COLUMNS} FROM print_jobs WHERE job_id = ?`),
      next: db.prepare(`SELECT ${COLUMNS} FROM print_jobs WHERE status = 'pending' ORDER BY job_id LIMIT 1`),
      pending: db.prepare(`SELECT count(*) AS n FROM print_jobs WHERE status = 'pending'`),
      ofSale: db.prepare(`SELECT ${COLUMNS} FROM print_jobs WHERE sale_id = ? ORDER BY job_id`),
      attempt: db.prepare(
        `UPDATE print_jobs SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?
          WHERE job_id = ? AND status = 'pending'`,
      ),
      printed: db.prepare(
        `UPDATE print_jobs SET status = 'printed', attempts = attempts + 1, last_attempt_at = ?, printed_at = ?,
           bytes = ?, printer = ?, last_error = NULL WHERE job_id = ? AND status = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE print_jobs SET status = 'failed', last_error = ? WHERE job_id = ? AND status = 'pending'`,
      ),
      expire: db.prepare(
        `UPDATE print_jobs SET status = 'expired', last_error = coalesce(last_error, 'never printed')
          WHERE status = 'pending' AND created_at < ?`,
      ),
      recent: db.prepare(
        `INSERT INTO print_jobs (sale_id, kind, lang, created_at)
           SELECT s.sale_id, 'sale', ?, ? FROM sales s
            WHERE s.member_no IS NOT NULL AND s.recorded_at >= ?
              AND NOT EXISTS (SELECT 1 FROM print_jobs j WHERE j.sale_id = s.sale_id AND j.kind = 'sale')
            ORDER BY s.rowid
         ON CONFLICT DO NOTHING`,
      ),
    };
  }

  /** Queues a job; null when the sale's own receipt was queued before (a sale prints once by itself). */
  enqueue(saleId: string, kind: JobKind, lang: ReceiptLang, at: string): PrintJob | null {
    const r = this.q.insert.run(saleId, kind, lang, at);
    return r.changes === 1 ? this.get(Number(r.lastInsertRowid)) : null;
  }

  get(jobId: number): PrintJob | null {
    return (this.q.get.get(jobId) as PrintJob | undefined) ?? null;
  }

  next(): PrintJob | null {
    return (this.q.next.get() as PrintJob | undefined) ?? null;
  }

  pendingCount(): number {
    return (this.q.pending.get() as { n: number }).n;
  }

  jobsOfSale(saleId: string): PrintJob[] {
    return this.q.ofSale.all(saleId) as PrintJob[];
  }

  attemptFailed(jobId: number, at: string, error: string): void {
    this.q.attempt.run(at, error.slice(0, 500), jobId);
  }

  printed(jobId: number, at: string, bytes: number, printer: string): boolean {
    return this.q.printed.run(at, at, bytes, printer, jobId).changes === 1;
  }

  /** A job that can never print (its receipt cannot be rendered): taken out of the way. */
  failed(jobId: number, error: string): void {
    this.q.failed.run(error.slice(0, 500), jobId);
  }

  /** Gives up pending jobs created before `before`; returns how many. */
  expire(before: string): number {
    return this.q.expire.run(before).changes;
  }

  /**
   * Queues the receipts of member sales recorded since `since` that have no job: a till that
   * stopped between a sale's commit and its enqueue still prints that receipt on restart.
   */
  recoverSince(since: string, lang: ReceiptLang, at: string): number {
    return this.q.recent.run(lang, at, since).changes;
  }
}
