/**
 * Serial ports without hardware, for tests: serialport's own mock binding (SerialPortMock)
 * behind the SerialOpener interface, plus unplugging, which the mock binding lacks.
 */
import { SerialPortMock } from 'serialport';
import type { SerialOpener, SerialPortLike } from './serial.js';

export class MockSerialPorts {
  private readonly created = new Set<string>();
  private readonly unplugged = new Set<string>();
  private readonly open = new Map<string, SerialPortMock>();

  /** Makes a port exist at `path` (a fresh path per test: the mock binding is process-wide). */
  create(path: string): void {
    if (!this.created.has(path)) SerialPortMock.binding.createPort(path, { echo: false, record: false });
    this.created.add(path);
    this.unplugged.delete(path);
  }

  readonly opener: SerialOpener = (o) =>
    new Promise<SerialPortLike>((resolve, reject) => {
      if (!this.created.has(o.path) || this.unplugged.has(o.path)) {
        reject(new Error(`Error: No such file or directory, cannot open ${o.path}`));
        return;
      }
      const port = new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(err);
          return;
        }
        this.open.set(o.path, port);
        resolve(port);
      });
    });

  /** Bytes from the device, as they would arrive on the line. */
  emit(path: string, data: Buffer | string): boolean {
    const port = this.open.get(path);
    if (!port?.isOpen || !port.port) return false;
    port.port.emitData(Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'));
    return true;
  }

  isOpen(path: string): boolean {
    return this.open.get(path)?.isOpen === true;
  }

  /** The cable is pulled: the open port closes with a disconnect error, and cannot be reopened. */
  unplug(path: string): void {
    this.unplugged.add(path);
    const port = this.open.get(path);
    this.open.delete(path);
    if (port?.isOpen) port.close(undefined, Object.assign(new Error('device disconnected'), { disconnected: true }));
  }

  replug(path: string): void {
    this.unplugged.delete(path);
  }
}
