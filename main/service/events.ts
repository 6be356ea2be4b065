/** The till's event bus, fanned out to /v1/events subscribers (server-sent events). */
import { EventEmitter } from 'node:events';

export type TillEvent =
  | { type: 'card'; source: string; code: string }
  | { type: 'member'; memberNo: string; via: 'code' | 'phone' }
  | { type: 'sale'; saleId: string; memberNo: string | null; pointsEarned: number }
  | { type: 'return'; returnId: string; saleId: string }
  | { type: 'quote'; memberNo: string | null; total: number; points: number }
  | { type: 'sync'; online: boolean; waiting: number; lastSyncAt: string | null }
  | { type: 'device'; device: string; state: string };

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
