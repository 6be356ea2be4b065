/**
 * A printer over any transport: read its real-time status, print a job and confirm it.
 *
 * A job counts as printed only when every byte was written and, on a bidirectional link with
 * status on, the printer then answers DLE EOT with a ready state. DLE EOT travels behind the
 * job on the same stream, so the answer also proves the printer received all of the job; a
 * connection that drops mid-receipt never answers, and the job is tried again whole.
 */
import { describePrinter, type PrinterConfig } from './config.js';
import { FileTransport } from './file.js';
import { SerialTransport, type SerialOptions } from './serial.js';
import { DLE_EOT, interpretStatus, isStatusByte, printerOffline, type PrinterStatus } from './status.js';
import { TcpTransport, type TcpOptions } from './tcp.js';
import { PrinterIoError, type PrinterSession, type PrinterTransport } from './transport.js';

export type ConfiguredPrinter = Exclude<PrinterConfig, { kind: 'none' }>;

export function createTransport(
  c: ConfiguredPrinter,
  opts: { tcp?: TcpOptions; serial?: Omit<SerialOptions, 'flow'> } = {},
): PrinterTransport {
  switch (c.kind) {
    case 'tcp':
      return new TcpTransport(c.host, c.port, opts.tcp);
    case 'serial':
      return new SerialTransport(c.path, c.baudRate, { ...opts.serial, flow: c.flow });
    case 'file':
      return new FileTransport(c.path);
    default: {
      const never: never = c;
      throw new Error(`unknown printer kind ${describePrinter(never)}`);
    }
  }
}

const NO_ANSWER: PrinterStatus['raw'] = { printer: null, offlineCause: null, errorCause: null, paper: null };

export interface StatusReading extends PrinterStatus {
  /** why the state is what it is, in words for the log and /v1/health */
  detail: string | null;
}

/** DLE EOT 1 (and 2, 3 when offline) and 4. No answer within the timeout reads as offline. */
export async function readStatus(session: PrinterSession, timeoutMs: number): Promise<StatusReading> {
  const printer = await session.query(DLE_EOT.printer, timeoutMs, isStatusByte);
  if (printer === null) {
    return {
      state: 'offline',
      paperLow: false,
      raw: NO_ANSWER,
      detail: `no answer to DLE EOT within ${timeoutMs} ms (printer off or not answering; status=off turns the check off)`,
    };
  }
  let offlineCause: number | null = null;
  let errorCause: number | null = null;
  if (printerOffline(printer)) {
    offlineCause = await session.query(DLE_EOT.offlineCause, timeoutMs, isStatusByte);
    if (offlineCause !== null && (offlineCause & 0x40) !== 0) {
      errorCause = await session.query(DLE_EOT.errorCause, timeoutMs, isStatusByte);
    }
  }
  const paper = await session.query(DLE_EOT.paper, timeoutMs, isStatusByte);
  const s = interpretStatus({ printer, offlineCause, errorCause, paper });
  return { ...s, detail: s.state === 'ready' ? null : `printer reports ${s.state.replace('_', ' ')}` };
}

export interface PrinterOptions {
  /** ask DLE EOT (bidirectional links only) */
  status: boolean;
  statusTimeoutMs?: number;
  /** how long the answer after a job may take (the printer takes the whole job in first) */
  confirmTimeoutMs?: number;
}

export type PrintOutcome =
  | { ok: true; status: StatusReading; bytes: number }
  | { ok: false; status: StatusReading; stage: 'open' | 'status' | 'write' | 'confirm'; error: string };

function unknown(detail: string | null): StatusReading {
  return { state: 'unknown', paperLow: false, raw: NO_ANSWER, detail };
}

function failedStatus(e: unknown): StatusReading {
  const kind = e instanceof PrinterIoError ? e.kind : 'io';
  const message = e instanceof Error ? e.message : String(e);
  return { state: kind === 'absent' ? 'absent' : 'offline', paperLow: false, raw: NO_ANSWER, detail: message };
}

export class Printer {
  readonly target: string;
  private readonly statusTimeoutMs: number;
  private readonly confirmTimeoutMs: number;

  constructor(
    readonly transport: PrinterTransport,
    private readonly opts: PrinterOptions,
  ) {
    this.target = transport.target;
    this.statusTimeoutMs = opts.statusTimeoutMs ?? 1500;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? Math.max(this.statusTimeoutMs, 5000);
  }

  private get asks(): boolean {
    return this.transport.bidirectional && this.opts.status;
  }

  /** The printer's state now (opens and closes a session). */
  async status(): Promise<StatusReading> {
    let session: PrinterSession;
    try {
      session = await this.transport.open();
    } catch (e) {
      return failedStatus(e);
    }
    try {
      return this.asks ? await readStatus(session, this.statusTimeoutMs) : unknown(null);
    } catch (e) {
      return failedStatus(e);
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  /** Prints one job: status first (nothing is sent to a printer that cannot print), then confirm. */
  async print(job: Uint8Array): Promise<PrintOutcome> {
    let session: PrinterSession;
    try {
      session = await this.transport.open();
    } catch (e) {
      return { ok: false, status: failedStatus(e), stage: 'open', error: (e as Error).message };
    }
    try {
      if (this.asks) {
        let before: StatusReading;
        try {
          before = await readStatus(session, this.statusTimeoutMs);
        } catch (e) {
          return { ok: false, status: failedStatus(e), stage: 'status', error: (e as Error).message };
        }
        if (before.state !== 'ready') {
          return { ok: false, status: before, stage: 'status', error: before.detail ?? before.state };
        }
      }
      try {
        await session.write(job);
      } catch (e) {
        return { ok: false, status: failedStatus(e), stage: 'write', error: (e as Error).message };
      }
      if (!this.asks) return { ok: true, status: unknown(null), bytes: job.length };
      let after: StatusReading;
      try {
        // Generous: the answer comes once the printer has taken in the whole job.
        after = await readStatus(session, this.confirmTimeoutMs);
      } catch (e) {
        return { ok: false, status: failedStatus(e), stage: 'confirm', error: (e as Error).message };
      }
      if (after.state !== 'ready') {
        return { ok: false, status: after, stage: 'confirm', error: after.detail ?? after.state };
      }
      return { ok: true, status: after, bytes: job.length };
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  dispose(): Promise<void> {
    return this.transport.dispose();
  }
}
