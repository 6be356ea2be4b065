import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePrinter, parsePrinterUrl, PrinterConfigError, type PrinterConfigErrorReason } from './config.js';

describe('TILL_PRINTER parsing', () => {
  it('defaults to none', () => {
    expect(parsePrinterUrl(undefined)).toEqual({ kind: 'none' });
    expect(parsePrinterUrl('none')).toEqual({ kind: 'none' });
    expect(parsePrinterUrl(' NONE ')).toEqual({ kind: 'none' });
  });

  it('reads the forms CONTRACTS.md names, with width and encoding', () => {
    expect(parsePrinterUrl('tcp://192.168.1.50:9100')).toEqual({
      kind: 'tcp',
      host: '192.168.1.50',
      port: 9100,
      width: 80,
      encoding: 'gb18030',
      status: true,
    });
    expect(parsePrinterUrl('tcp://printer.store.local?width=58&encoding=gb18030')).toMatchObject({
      kind: 'tcp',
      host: 'printer.store.local',
      port: 9100,
      width: 58,
    });
    expect(parsePrinterUrl('tcp://[fe80::1]:9101')).toMatchObject({ host: 'fe80::1', port: 9101 });
    expect(parsePrinterUrl('serial:/dev/ttyS0?baud=19200')).toEqual({
      kind: 'serial',
      path: '/dev/ttyS0',
      baudRate: 19200,
      flow: 'none',
      width: 80,
      encoding: 'gb18030',
      status: true,
    });
    expect(parsePrinterUrl('serial:/dev/ttyUSB0')).toMatchObject({ baudRate: 19200 });
    expect(parsePrinterUrl('serial:COM3?baud=9600&width=58&flow=rtscts')).toMatchObject({
      path: 'COM3',
      baudRate: 9600,
      width: 58,
      flow: 'rtscts',
    });
    expect(parsePrinterUrl('file:/dev/usb/lp0')).toEqual({
      kind: 'file',
      path: '/dev/usb/lp0',
      width: 80,
      encoding: 'gb18030',
      status: false,
    });
    expect(parsePrinterUrl('file:/dev/usb/lp0?width=58')).toMatchObject({ width: 58 });
    expect(parsePrinterUrl('tcp://10.0.0.9:9100?status=off')).toMatchObject({ status: false });
    expect(parsePrinterUrl('tcp://10.0.0.9?encoding=cp437')).toMatchObject({ encoding: 'cp437' });
  });

  const bad: [string, PrinterConfigErrorReason][] = [
    ['', 'empty'],
    ['lpt1', 'unknown_scheme'],
    ['http://printer:9100', 'unknown_scheme'],
    ['usb:/dev/usb/lp0', 'unknown_scheme'],
    ['tcp:printer:9100', 'bad_host'],
    ['tcp://', 'bad_host'],
    ['tcp://user@printer:9100', 'bad_host'],
    ['tcp://fe80::1:9100', 'bad_host'],
    ['tcp://printer:0', 'bad_port'],
    ['tcp://printer:65536', 'bad_port'],
    ['tcp://printer:91a0', 'bad_port'],
    ['tcp://printer:9100?width=76', 'bad_width'],
    ['tcp://printer:9100?width=', 'bad_width'],
    ['tcp://printer:9100?encoding=utf8', 'bad_encoding'],
    ['tcp://printer:9100?colour=red', 'unknown_parameter'],
    ['tcp://printer:9100?width=58&width=80', 'duplicate_parameter'],
    ['tcp://printer:9100?status=maybe', 'bad_status'],
    ['serial:ttyS0', 'bad_path'],
    ['serial:/dev/ttyS0?baud=12345', 'bad_baud'],
    ['serial:/dev/ttyS0?baud=fast', 'bad_baud'],
    ['serial:/dev/ttyS0?flow=dsr', 'bad_flow'],
    ['file:lp0', 'bad_path'],
    ['file:/dev/usb/', 'bad_path'],
    ['file:/dev/usb/lp0?baud=9600', 'unknown_parameter'],
    ['file:/dev/usb/lp0?status=on', 'unknown_parameter'],
    ['tcp://printer:9100?width=%zz', 'malformed'],
  ];
  it.each(bad)('refuses %j with a typed error (%s)', (raw, reason) => {
    let err: unknown;
    try {
      parsePrinterUrl(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PrinterConfigError);
    expect((err as PrinterConfigError).reason).toBe(reason);
    expect((err as PrinterConfigError).code).toBe('invalid_printer_url');
    expect((err as Error).message).toMatch(/^TILL_PRINTER: /);
  });

  it('never throws anything but PrinterConfigError, and what it accepts describes back to itself', () => {
    const pieces = fc.constantFrom(
      'tcp://',
      'serial:',
      'file:',
      'none',
      '/dev/ttyS0',
      'printer',
      '10.0.0.5',
      ':9100',
      ':',
      '?',
      '&',
      '=',
      'width=58',
      'width=80',
      'baud=9600',
      'encoding=gb18030',
      '[::1]',
      '/',
      '%',
      '%zz',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 6 }), (parts) => {
        const raw = parts.join('');
        try {
          const c = parsePrinterUrl(raw);
          if (c.kind !== 'none') expect(parsePrinterUrl(describePrinter(c))).toMatchObject({ kind: c.kind });
        } catch (e) {
          expect(e).toBeInstanceOf(PrinterConfigError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
