/**
 * Serial printers (RS-232, USB-serial). The port stays open between sessions: it belongs to
 * this till alone, and reopening it would toggle DTR on every receipt. It is reopened after
 * it failed (the cable was pulled, the adapter re-enumerated). The port can be made by an
 * injected factory (serialport's SerialPortMock over binding-mock); by default the real one.
 */
import { SerialPort, type SerialPortMock } from 'serialport';
import type { SerialFlow } from './config.js';
import { anyByte, Inbox, PrinterIoError, type PrinterSession, type PrinterTransport } from './transport.js';

export interface SerialOptions {
  flow?: SerialFlow;
  /** makes the (unopened) port; default: the real serialport binding */
  makePort?: (o: PortOptions) => Port;
  /** a write that has not drained by then (printer holding flow control) fails the session */
  writeTimeoutMs?: number;
}

export type Port = SerialPort | SerialPortMock;
export interface PortOptions {
  path: string;
  baudRate: number;
  autoOpen: false;
  rtscts: boolean;
  xon: boolean;
  xoff: boolean;
}

class SerialSession implements PrinterSession {
  private readonly inbox = new Inbox();
  private readonly onData = (d: Buffer): void => this.inbox.push(d);
  private readonly onClose = (): void =>
    this.inbox.fail(new PrinterIoError('disconnected', `${this.target}: port closed`));
  private readonly onError = (e: Error): void =>
    this.inbox.fail(new PrinterIoError('disconnected', `${this.target}: ${e.message}`, { cause: e }));

  constructor(
    private readonly port: Port,
    private readonly target: string,
    private readonly writeTimeoutMs: number,
  ) {
    port.on('data', this.onData);
    port.on('close', this.onClose);
    port.on('error', this.onError);
  }

  write(data: Uint8Array): Promise<void> {
    if (this.inbox.failed) return Promise.reject(this.inbox.failed);
    if (!this.port.isOpen) return Promise.reject(new PrinterIoError('disconnected', `${this.target}: port not open`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new PrinterIoError('timeout', `${this.target}: write did not drain in ${this.writeTimeoutMs} ms`));
        this.port.close(() => undefined);
      }, this.writeTimeoutMs);
      const done = (err: Error | null | undefined): void => {
        clearTimeout(timer);
        if (err) reject(new PrinterIoError('disconnected', `${this.target}: ${err.message}`, { cause: err }));
        else if (this.inbox.failed) reject(this.inbox.failed);
        else resolve();
      };
      this.port.write(Buffer.from(data), (err) => {
        if (err) done(err);
        else this.port.drain(done);
      });
    });
  }

  query(request: Uint8Array, timeoutMs: number, accept: (b: number) => boolean = anyByte): Promise<number | null> {
    return this.inbox.ask(() => this.write(request), timeoutMs, accept);
  }

  async close(): Promise<void> {
    this.port.off('data', this.onData);
    this.port.off('close', this.onClose);
    this.port.off('error', this.onError);
  }
}

export class SerialTransport implements PrinterTransport {
  readonly bidirectional = true;
  readonly target: string;
  private port: Port | null = null;
  private readonly writeTimeoutMs: number;

  constructor(
    readonly path: string,
    readonly baudRate: number,
    private readonly opts: SerialOptions = {},
  ) {
    this.target = `serial:${path}?baud=${baudRate}`;
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 30_000;
  }

  private makePort(): Port {
    const flow = this.opts.flow ?? 'none';
    const common: PortOptions = {
      path: this.path,
      baudRate: this.baudRate,
      autoOpen: false,
      rtscts: flow === 'rtscts',
      xon: flow === 'xonxoff',
      xoff: flow === 'xonxoff',
    };
    return this.opts.makePort ? this.opts.makePort(common) : new SerialPort(common);
  }

  async open(): Promise<PrinterSession> {
    if (!this.port || !this.port.isOpen) {
      const port = this.makePort();
      await new Promise<void>((resolve, reject) => {
        port.open((err) => {
          if (err) reject(new PrinterIoError('absent', `${this.target}: ${err.message}`, { cause: err }));
          else resolve();
        });
      });
      // A port that failed is dropped, so the next session opens it afresh.
      port.on('close', () => {
        if (this.port === port) this.port = null;
      });
      port.on('error', () => {
        if (this.port === port) this.port = null;
        if (port.isOpen) port.close(() => undefined);
      });
      this.port = port;
    }
    return new SerialSession(this.port, this.target, this.writeTimeoutMs);
  }

  async dispose(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
