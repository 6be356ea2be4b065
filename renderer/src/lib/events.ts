/**
 * The till's live events (GET /v1/events, server-sent events). EventSource cannot send an
 * Authorization header, so each connection first fetches a single-use ticket with the staff
 * session; after an error the stream is rebuilt with a new ticket, with a growing pause.
 */
import type { Api } from './api.js';

export interface QuoteEventLine {
  sku: string;
  name: string | null;
  category: string;
  quantity: number;
  net: number;
  excluded: boolean;
}

export interface QuoteEvent {
  type: 'quote';
  memberNo: string | null;
  total: number;
  points: number;
  saleId: string | null;
  bonusPoints: number;
  pointsRedeemed: number;
  redemptionValue: number;
  breakdownText: { zh: string; en: string };
  lines: QuoteEventLine[];
  lineCount: number;
}

export type TillEvent =
  | { type: 'card'; source: string; code: string; kind?: 'barcode' | 'nfc' | 'qr'; error?: string }
  | { type: 'member'; memberNo: string; via: string }
  | { type: 'sale'; saleId: string; memberNo: string | null; pointsEarned: number }
  | { type: 'return'; returnId: string; saleId: string }
  | QuoteEvent
  | { type: 'sync'; online: boolean; waiting: number; lastSyncAt: string | null }
  | { type: 'device'; device: string; state: string; detail?: string | null }
  | { type: 'printer'; state: string; paperLow: boolean; queuedJobs: number; lastError: string | null };

const TYPES: readonly TillEvent['type'][] = ['card', 'member', 'sale', 'return', 'quote', 'sync', 'device', 'printer'];

export class EventStream {
  private source: EventSource | null = null;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(
    private readonly api: Api,
    private readonly onEvent: (e: TillEvent) => void,
    private readonly onStatus: (connected: boolean) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = (await this.api.eventTicket()).ticket;
    } catch {
      this.later();
      return;
    }
    if (this.stopped) return;
    const es = new EventSource(`${this.api.base}/v1/events?ticket=${encodeURIComponent(ticket)}`);
    this.source = es;
    es.onopen = () => {
      this.failures = 0;
      this.onStatus(true);
    };
    es.onerror = () => {
      // A used ticket cannot reconnect by itself: close and start over with a new one.
      es.close();
      if (this.source === es) this.source = null;
      this.onStatus(false);
      this.later();
    };
    for (const type of TYPES) {
      es.addEventListener(type, (m: MessageEvent<string>) => {
        try {
          this.onEvent(JSON.parse(m.data) as TillEvent);
        } catch {
          // a malformed event is skipped
        }
      });
    }
  }

  private later(): void {
    if (this.stopped || this.retry !== null) return;
    this.failures += 1;
    const wait = Math.min(10_000, 500 * 2 ** Math.min(this.failures - 1, 5));
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, wait);
  }
}
