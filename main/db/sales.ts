/** Recorded sales and returns: the idempotency record and the inputs head office recomputes from. */
import type { Db } from './open.js';

export interface StoredSale {
  saleId: string;
  memberNo: string | null;
  requestHash: string;
  request: unknown;
  result: unknown;
  computation: unknown;
  ruleVersion: number;
  total: number;
  occurredAt: string;
}

export interface StoredReturn {
  returnId: string;
  originalSaleId: string;
  requestHash: string;
  request: unknown;
  result: unknown;
  occurredAt: string;
  /** the confirmed state the member's figures were decided on (null: no member, or recorded before migration 014) */
  basis: ReturnBasis | null;
}

type ReturnBasis = { cursor: number; confirmedThrough: number };

export interface SaleBasis {
  recordedAt: string;
  basis: { cursor: number; confirmedThrough: number } | null;
}

interface SaleRow {
  sale_id: string;
  member_no: string | null;
  request_hash: string;
  request: string;
  result: string;
  computation: string;
  rule_version: number;
  total: number;
  occurred_at: string;
}

interface ReturnRow {
  return_id: string;
  original_sale_id: string;
  request_hash: string;
  request: string;
  result: string;
  occurred_at: string;
  basis: string | null;
}

export class SaleStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      sale: db.prepare('SELECT * FROM sales WHERE sale_id = ?'),
      saleRecord: db.prepare(
        `SELECT sale_id, member_no, request, result, computation, rule_version, total, occurred_at, recorded_at, basis
         FROM sales WHERE sale_id = ?`,
      ),
      putSale: db.prepare(
        `INSERT INTO sales (sale_id, member_no, request_hash, request, result, computation, rule_version, total,
           occurred_at, recorded_at, staff_id, basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      ret: db.prepare('SELECT * FROM returns WHERE return_id = ?'),
      retsOf: db.prepare('SELECT * FROM returns WHERE original_sale_id = ? ORDER BY rowid'),
      putRet: db.prepare(
        `INSERT INTO returns (return_id, original_sale_id, request_hash, request, result, occurred_at, recorded_at, basis)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      count: db.prepare('SELECT count(*) AS n FROM sales'),
    };
  }

  sale(saleId: string): StoredSale | null {
    const r = this.q.sale.get(saleId) as SaleRow | undefined;
    if (!r) return null;
    return {
      saleId: r.sale_id,
      memberNo: r.member_no,
      requestHash: r.request_hash,
      request: JSON.parse(r.request),
      result: JSON.parse(r.result),
      computation: JSON.parse(r.computation),
      ruleVersion: r.rule_version,
      total: r.total,
      occurredAt: r.occurred_at,
    };
  }

  /**
   * What a sale's upload record needs: with the computation (a return at another store needs its
   * lines), the day it was recorded and the confirmed state it was computed against.
   */
  saleRecord(saleId: string): (Omit<StoredSale, 'requestHash'> & SaleBasis) | null {
    const r = this.q.saleRecord.get(saleId) as
      (Omit<SaleRow, 'request_hash'> & { recorded_at: string; basis: string | null }) | undefined;
    if (!r) return null;
    return {
      saleId: r.sale_id,
      memberNo: r.member_no,
      request: JSON.parse(r.request),
      result: JSON.parse(r.result),
      computation: JSON.parse(r.computation),
      ruleVersion: r.rule_version,
      total: r.total,
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
      basis: r.basis === null ? null : (JSON.parse(r.basis) as { cursor: number; confirmedThrough: number }),
    };
  }

  putSale(
    s: StoredSale,
    recordedAt: string,
    staffId: string | null,
    basis: { cursor: number; confirmedThrough: number } | null = null,
  ): void {
    this.q.putSale.run(
      s.saleId,
      s.memberNo,
      s.requestHash,
      JSON.stringify(s.request),
      JSON.stringify(s.result),
      JSON.stringify(s.computation),
      s.ruleVersion,
      s.total,
      s.occurredAt,
      recordedAt,
      staffId,
      basis === null ? null : JSON.stringify(basis),
    );
  }

  returnById(returnId: string): StoredReturn | null {
    const r = this.q.ret.get(returnId) as ReturnRow | undefined;
    return r ? toReturn(r) : null;
  }

  returnsOf(saleId: string): StoredReturn[] {
    return (this.q.retsOf.all(saleId) as ReturnRow[]).map(toReturn);
  }

  putReturn(r: StoredReturn, recordedAt: string): void {
    this.q.putRet.run(
      r.returnId,
      r.originalSaleId,
      r.requestHash,
      JSON.stringify(r.request),
      JSON.stringify(r.result),
      r.occurredAt,
      recordedAt,
      r.basis === null ? null : JSON.stringify(r.basis),
    );
  }

  count(): number {
    return (this.q.count.get() as { n: number }).n;
  }
}

function toReturn(r: ReturnRow): StoredReturn {
  return {
    returnId: r.return_id,
    originalSaleId: r.original_sale_id,
    requestHash: r.request_hash,
    request: JSON.parse(r.request),
    result: JSON.parse(r.result),
    occurredAt: r.occurred_at,
    basis: r.basis === null ? null : (JSON.parse(r.basis) as ReturnBasis),
  };
}
