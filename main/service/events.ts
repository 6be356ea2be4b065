/** The till's event bus, fanned out to /v1/events subscribers (server-sent events). */
import { EventEmitter } from 'node:events';
import type { PrinterState } from '../../native/printers/status.js';

export type TillEvent =
  | {
      type: 'card';
      /** the reader's device id (main/devices), e.g. "serial:/dev/ttyUSB0", "pcsc" */
      source: string;
      /** normalised: barcode payload without symbology identifier, canonical NFC UID, member QR text */
      code: string;
      kind?: 'barcode' | 'nfc' | 'qr';
      /** set when the read was refused (misread_check_digit, unknown_card, misread_noise, ...) */
      error?: string;
    }
  | { type: 'member'; memberNo: string; via: 'code' | 'phone' }
  | { type: 'sale'; saleId: string; memberNo: string | null; pointsEarned: number }
  | { type: 'return'; returnId: string; saleId: string }
  | {
      type: 'quote';
      memberNo: string | null;
      total: number;
      points: number;
      /** the POS's sale id when it sent one */
      saleId: string | null;
      bonusPoints: number;
      pointsRedeemed: number;
      redemptionValue: number;
      breakdownText: { zh: string; en: string };
      /** the first QUOTE_EVENT_LINES lines of the basket as priced; `lineCount` is the whole */
      lines: QuoteEventLine[];
      lineCount: number;
    }
  | { type: 'sync'; online: boolean; waiting: number; lastSyncAt: string | null }
  | {
      type: 'device';
      device: string;
      /** opening | ready | disconnected | unavailable | ui | stopped (main/devices/manager.ts) */
      state: string;
      detail?: string | null;
    }
  | {
      type: 'printer';
      state: PrinterState;
      paperLow: boolean;
      queuedJobs: number;
      lastError: string | null;
    };

/** One basket line as the cashier's screen shows it: net amount in fen after discounts. */
export interface QuoteEventLine {
  sku: string;
  name: string | null;
  category: string;
  quantity: number;
  net: number;
  excluded: boolean;
}

export const QUOTE_EVENT_LINES = 50;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private nextId = 1;

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  publish(e: TillEvent): void {
    this.emitter.emit('event', { id: this.nextId++, event: e });
  }

  subscribe(fn: (msg: { id: number; event: TillEvent }) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
