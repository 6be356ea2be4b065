/** The till's event bus, fanned out to /v1/events subscribers (server-sent events). */
import { EventEmitter } from 'node:events';
import type { TillEvent } from '../../core/events.js';

export type { PrinterState, QuoteEvent, QuoteEventLine, TillEvent } from '../../core/events.js';

export const QUOTE_EVENT_LINES = 50;

/** Events kept for a stream that reconnects (`Last-Event-ID` / `?after=`), so a scan is not lost in the gap. */
export const EVENT_REPLAY = 200;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private nextId = 1;
  private readonly recent: { id: number; event: TillEvent }[] = [];

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  publish(e: TillEvent): void {
    const msg = { id: this.nextId++, event: e };
    this.recent.push(msg);
    if (this.recent.length > EVENT_REPLAY) this.recent.shift();
    this.emitter.emit('event', msg);
  }

  /** Events published after `id` that are still kept, oldest first. */
  since(id: number): { id: number; event: TillEvent }[] {
    return this.recent.filter((m) => m.id > id);
  }

  subscribe(fn: (msg: { id: number; event: TillEvent }) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
