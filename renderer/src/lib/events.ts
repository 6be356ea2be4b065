/**
 * The till's live events (GET /v1/events, server-sent events). EventSource cannot send an
 * Authorization header, so each connection first fetches a single-use ticket with the staff
 * session; after an error the stream is rebuilt with a new ticket, with a growing pause.
 */
import type { TillEvent } from '../../../core/events.js';
import type { Api } from './api.js';

export type { QuoteEvent, QuoteEventLine, TillEvent } from '../../../core/events.js';

const TYPES: readonly TillEvent['type'][] = ['card', 'member', 'sale', 'return', 'quote', 'sync', 'device', 'printer'];

export class EventStream {
  private source: EventSource | null = null;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  /** the last event id seen, so a reconnect asks the till for what it missed */
  private lastId: string | null = null;

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
    const after = this.lastId === null ? '' : `&after=${encodeURIComponent(this.lastId)}`;
    const es = new EventSource(`${this.api.base}/v1/events?ticket=${encodeURIComponent(ticket)}${after}`);
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
        if (m.lastEventId) this.lastId = m.lastEventId;
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
