import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../service/config.js';
import { parseScanners, ScannerSpecError } from './spec.js';

describe('TILL_SCANNERS', () => {
  it('parses the contract examples', () => {
    expect(parseScanners('serial:/dev/ttyUSB0?baud=9600,hid:0c2e:0b61,nfc-serial:/dev/ttyACM0,keyboard')).toEqual([
      {
        kind: 'serial',
        id: 'serial:/dev/ttyUSB0',
        path: '/dev/ttyUSB0',
        baudRate: 9600,
        dataBits: 8,
        parity: 'none',
        term: 'line',
        idleMs: undefined,
        affixes: undefined,
      },
      {
        kind: 'hid',
        id: 'hid:0c2e:0b61',
        vendorId: 0x0c2e,
        productId: 0x0b61,
        serialNumber: undefined,
        mode: 'auto',
        reads: 'barcode',
        reportId: undefined,
        affixes: undefined,
      },
      {
        kind: 'nfc-serial',
        id: 'nfc-serial:/dev/ttyACM0',
        path: '/dev/ttyACM0',
        baudRate: 9600,
        dataBits: 8,
        parity: 'none',
        term: 'line',
        idleMs: undefined,
        affixes: undefined,
        uidProfile: { format: 'hex', byteOrder: 'msb' },
      },
      { kind: 'keyboard', id: 'keyboard' },
    ]);
  });

  it('parses options: term, idle, affixes (percent-encoded), profiles, hid modes, pcsc names', () => {
    const [s, n, h, p] = parseScanners(
      'serial:/dev/ttyS0?baud=115200&term=none&idle=40&prefix=%5D%2C&suffix=%23&bits=7&parity=even,' +
        'nfc-serial:COM3?profile=decimal10-lsb,' +
        'hid:ffff:35?mode=keyboard&reads=nfc&profile=hex-lsb&serial=AB12,' +
        'pcsc:ACR122',
    );
    expect(s).toMatchObject({ baudRate: 115200, term: 'none', idleMs: 40, affixes: { prefix: '],', suffix: '#' } });
    expect(s).toMatchObject({ dataBits: 7, parity: 'even' });
    expect(n).toMatchObject({ path: 'COM3', uidProfile: { format: 'decimal10', byteOrder: 'lsb' } });
    expect(h).toMatchObject({ id: 'hid:ffff:0035#AB12', mode: 'keyboard', reads: 'nfc', serialNumber: 'AB12' });
    expect(p).toEqual({ kind: 'pcsc', id: 'pcsc:ACR122', readerFilter: 'ACR122' });
    expect(parseScanners('pcsc')).toEqual([{ kind: 'pcsc', id: 'pcsc' }]);
    expect(parseScanners('')).toEqual([]);
  });

  it.each([
    ['usb:/dev/x', /unknown reader kind "usb"/],
    ['serial:', /a device path is required/],
    ['serial:ttyUSB0', /not a device path/],
    ['serial:/dev/ttyUSB0?baud=fast', /baud must be a whole number/],
    ['serial:/dev/ttyUSB0?baud=10', /baud must be between 50 and 4000000/],
    ['serial:/dev/ttyUSB0?speed=9600', /unknown option "speed" \(known: baud, bits/],
    ['serial:/dev/ttyUSB0?term=semicolon', /term must be one of auto, cr, lf, crlf, none/],
    ['serial:/dev/ttyUSB0?idle=30', /idle only applies with term=none/],
    ['serial:/dev/ttyUSB0?baud=9600&baud=19200', /given twice/],
    ['serial:/dev/ttyUSB0?profile=hex', /unknown option "profile"/],
    ['nfc-serial:/dev/ttyACM0?profile=decimal10', /needs a byte order: decimal10-msb or decimal10-lsb/],
    ['nfc-serial:/dev/ttyACM0?profile=octal', /profile must be one of/],
    ['hid:0c2e', /expected hid:<vendor id>:<product id>/],
    ['hid:0c2e:xyz', /product id must be 1 to 4 hex digits/],
    ['hid:0c2e:0b61?mode=pos&reads=nfc', /needs mode=keyboard/],
    ['hid:0c2e:0b61?profile=hex-lsb', /profile applies to NFC readers/],
    ['keyboard:x', /keyboard takes no options/],
    ['serial:/dev/ttyUSB0,serial:/dev/ttyUSB0?baud=19200', /configured twice/],
    ['pcsc,pcsc:ACR', /"pcsc" already takes every PC\/SC reader/],
    ['serial:/dev/ttyUSB0?prefix=', /prefix must be 1 to 16 characters/],
  ])('refuses %s with a clear message', (value, message) => {
    expect(() => parseScanners(value)).toThrow(ScannerSpecError);
    expect(() => parseScanners(value)).toThrow(message);
  });

  it('configFromEnv names the variable; the default is the keyboard wedge', () => {
    expect(() => configFromEnv({ TILL_SCANNERS: 'serial:/dev/ttyUSB0?baud=x' })).toThrow(ConfigError);
    expect(() => configFromEnv({ TILL_SCANNERS: 'serial:/dev/ttyUSB0?baud=x' })).toThrow(/^TILL_SCANNERS: "serial:/);
    expect(configFromEnv({}).scanners).toEqual([{ kind: 'keyboard', id: 'keyboard' }]);
  });

  it('never throws anything but ScannerSpecError on random input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc
            .tuple(
              fc.constantFrom('serial:', 'nfc-serial:', 'hid:', 'pcsc:', 'keyboard', ''),
              fc.string({ unit: fc.constantFrom(...'/devtyUSB0:?&=%,#abcf0123456789 '), maxLength: 60 }),
            )
            .map(([a, b]) => a + b),
        ),
        (s) => {
          try {
            parseScanners(s);
          } catch (e) {
            expect(e).toBeInstanceOf(ScannerSpecError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
