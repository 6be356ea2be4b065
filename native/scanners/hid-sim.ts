/**
 * A node-hid stand-in (the HidBackend interface) for tests and demos, where no USB device
 * exists: devices are "plugged" with the descriptors node-hid would list, and reports (live
 * or recorded) are fed through the same 'data' events node-hid's HIDAsync emits. Unplugging
 * fails the open connection the way node-hid does ("could not read from HID device").
 */
import { EventEmitter } from 'node:events';
import type { HidBackend, HidConnection, HidDeviceInfo } from './hid.js';

class MockHidConnection extends EventEmitter implements HidConnection {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  close(): void {
    this.closed = true;
    this.removeAllListeners();
  }
}

/** One report as recorded from a device: bytes in hex and the time since the previous report. */
export interface RecordedReport {
  dtMs: number;
  hex: string;
}

export class MockHidBackend implements HidBackend {
  readonly name = 'mock node-hid';
  private readonly plugged = new Map<string, HidDeviceInfo & { path: string }>();
  private readonly connections = new Map<string, MockHidConnection>();
  /** how many times open() was called, per path */
  readonly opens = new Map<string, number>();

  plug(info: HidDeviceInfo & { path: string }): void {
    this.plugged.set(info.path, { ...info });
  }

  unplug(path: string): void {
    this.plugged.delete(path);
    const c = this.connections.get(path);
    this.connections.delete(path);
    if (c && !c.closed) c.emit('error', new Error('could not read from HID device'));
  }

  isOpen(path: string): boolean {
    const c = this.connections.get(path);
    return c !== undefined && !c.closed;
  }

  /** Delivers one input report to whoever has the device open; false when nobody has. */
  send(path: string, report: Uint8Array | readonly number[]): boolean {
    const c = this.connections.get(path);
    if (!c || c.closed) return false;
    c.emit('data', Buffer.from(report as Uint8Array));
    return true;
  }

  /** Replays recorded reports, keeping their timing (scaled by `speed`). */
  async replay(path: string, recording: readonly RecordedReport[], speed = 1): Promise<void> {
    for (const r of recording) {
      if (r.dtMs > 0) await new Promise((resolve) => setTimeout(resolve, r.dtMs / speed));
      this.send(path, Buffer.from(r.hex.replace(/\s+/g, ''), 'hex'));
    }
  }

  devices(): Promise<HidDeviceInfo[]> {
    return Promise.resolve([...this.plugged.values()].map((d) => ({ ...d })));
  }

  open(path: string): Promise<HidConnection> {
    this.opens.set(path, (this.opens.get(path) ?? 0) + 1);
    if (!this.plugged.has(path)) return Promise.reject(new Error(`cannot open device with path ${path}`));
    const existing = this.connections.get(path);
    if (existing && !existing.closed) return Promise.reject(new Error(`${path} is already open`));
    const c = new MockHidConnection(path);
    this.connections.set(path, c);
    return Promise.resolve(c);
  }
}
