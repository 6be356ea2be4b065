/**
 * Network printers on the raw port (9100). One connection per session, closed afterwards:
 * most network printers accept a single client at a time, and the host POS prints its own
 * sales receipt on the same printer, so the till never holds the port while idle.
 */
import { connect, type Socket } from 'node:net';
import { anyByte, Inbox, PrinterIoError, type PrinterSession, type PrinterTransport } from './transport.js';

export interface TcpOptions {
  connectTimeoutMs?: number;
  /** a write that has not flushed by then (printer stalled, window closed) fails the session */
  writeTimeoutMs?: number;
}

class SocketSession implements PrinterSession {
  private readonly inbox = new Inbox();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: string,
    private readonly writeTimeoutMs: number,
  ) {
    socket.on('data', (d: Buffer) => this.inbox.push(d));
    const lost = (why: string): void => {
      this.closed = true;
      this.inbox.fail(new PrinterIoError('disconnected', `${target}: ${why}`));
    };
    socket.on('end', () => lost('the printer closed the connection'));
    socket.on('close', () => lost('connection closed'));
    socket.on('error', (e) => lost(e.message));
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed || this.inbox.failed) {
      return Promise.reject(this.inbox.failed ?? new PrinterIoError('disconnected', `${this.target}: not connected`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new PrinterIoError('timeout', `${this.target}: write did not complete in ${this.writeTimeoutMs} ms`));
      }, this.writeTimeoutMs);
      this.socket.write(data, (err) => {
        clearTimeout(timer);
        if (err) reject(new PrinterIoError('disconnected', `${this.target}: ${err.message}`, { cause: err }));
        else if (this.inbox.failed) reject(this.inbox.failed);
        else resolve();
      });
    });
  }

  query(request: Uint8Array, timeoutMs: number, accept: (b: number) => boolean = anyByte): Promise<number | null> {
    return this.inbox.ask(() => this.write(request), timeoutMs, accept);
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }
}

export class TcpTransport implements PrinterTransport {
  readonly bidirectional = true;
  readonly target: string;
  private readonly connectTimeoutMs: number;
  private readonly writeTimeoutMs: number;

  constructor(
    readonly host: string,
    readonly port: number,
    opts: TcpOptions = {},
  ) {
    this.target = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 30_000;
  }

  open(): Promise<PrinterSession> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PrinterIoError('absent', `${this.target}: no answer to connect within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      const failed = (e: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new PrinterIoError('absent', `${this.target}: ${e.message}`, { cause: e }));
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', failed);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 5000);
        resolve(new SocketSession(socket, this.target, this.writeTimeoutMs));
      });
    });
  }

  async dispose(): Promise<void> {
    // Nothing is held between sessions.
  }
}
