/**
 * The till's live events (GET /v1/events): one definition for the service that publishes them
 * and the cashier UI that shows them. Types only, so the browser bundle can share it.
 */

/** What a receipt printer reports (native/printers reads it with DLE EOT). */
export const PRINTER_STATES = [
  'none',
  'ready',
  'unknown',
  'absent',
  'offline',
  'paper_out',
  'cover_open',
  'error',
] as const;
export type PrinterState = (typeof PRINTER_STATES)[number];

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
  | {
      type: 'member';
      memberNo: string;
      via: 'code' | 'phone';
      /** the identify request's `requestId` when the asker gave one: a screen tells its own events by it */
      requestId?: string;
    }
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

export type QuoteEvent = Extract<TillEvent, { type: 'quote' }>;
