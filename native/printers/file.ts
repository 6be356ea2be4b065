/**
 * Device-file printers (/dev/usb/lp0, a Windows share path). Written only: there is nobody to
 * ask for status, so the state is 'unknown' while the device exists and 'absent' when it does
 * not. The file is opened without O_CREAT: a missing device node is an absent printer, never a
 * new regular file quietly swallowing receipts.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PrinterIoError, type PrinterSession, type PrinterTransport } from './transport.js';

class FileSession implements PrinterSession {
  constructor(
    private readonly fh: FileHandle,
    private readonly target: string,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < data.length) {
        const { bytesWritten } = await this.fh.write(data, off, data.length - off);
        if (bytesWritten <= 0) throw new Error('device accepted no bytes');
        off += bytesWritten;
      }
    } catch (e) {
      throw new PrinterIoError('io', `${this.target}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async query(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

export class FileTransport implements PrinterTransport {
  readonly bidirectional = false;
  readonly target: string;

  constructor(readonly path: string) {
    this.target = `file:${path}`;
  }

  async open(): Promise<PrinterSession> {
    try {
      const fh = await open(this.path, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOCTTY ?? 0));
      return new FileSession(fh, this.target);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new PrinterIoError(
        code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO' ? 'absent' : 'io',
        `${this.target}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }

  async dispose(): Promise<void> {
    // Nothing is held between sessions.
  }
}
