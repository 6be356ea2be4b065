/**
 * TILL_PRINTER (CONTRACTS.md): where the receipt printer is and how to talk to it.
 *
 *   tcp://<host>[:9100]          network printer, raw port 9100
 *   serial:<path>[?baud=19200]   serial printer (/dev/ttyS0, /dev/ttyUSB0, COM3)
 *   file:<path>                  device file (/dev/usb/lp0), write only
 *   none                         no printer (the default)
 *
 * followed by query parameters: `width=58|80` (mm, default 80), `encoding=gb18030|cp437`
 * (default gb18030), for serial `flow=none|rtscts|xonxoff`, and `status=on|off` (default on:
 * ask the printer for its real-time status; off for printers that never answer DLE EOT).
 * The parser is pure and every refusal is a typed error naming what was wrong.
 */

export type PaperWidth = 58 | 80;
export type PrinterEncoding = 'gb18030' | 'cp437';
export type SerialFlow = 'none' | 'rtscts' | 'xonxoff';

interface Common {
  /** paper width in mm: 58 mm = 32 columns / 384 dots, 80 mm = 48 columns / 576 dots */
  width: PaperWidth;
  encoding: PrinterEncoding;
  /** ask the printer for DLE EOT status where the link is bidirectional */
  status: boolean;
}

export type PrinterConfig =
  | { kind: 'none' }
  | ({ kind: 'tcp'; host: string; port: number } & Common)
  | ({ kind: 'serial'; path: string; baudRate: number; flow: SerialFlow } & Common)
  | ({ kind: 'file'; path: string } & Common);

export type PrinterConfigErrorReason =
  | 'empty'
  | 'malformed'
  | 'unknown_scheme'
  | 'bad_host'
  | 'bad_port'
  | 'bad_path'
  | 'bad_width'
  | 'bad_encoding'
  | 'bad_baud'
  | 'bad_flow'
  | 'bad_status'
  | 'unknown_parameter'
  | 'duplicate_parameter';

export class PrinterConfigError extends Error {
  readonly code = 'invalid_printer_url';
  constructor(
    readonly reason: PrinterConfigErrorReason,
    message: string,
  ) {
    super(`TILL_PRINTER: ${message}`);
    this.name = 'PrinterConfigError';
  }
}

export const PAPER: Record<PaperWidth, { columns: number; dots: number }> = {
  58: { columns: 32, dots: 384 },
  80: { columns: 48, dots: 576 },
};

/** Standard rates a serial ESC/POS printer can be set to. */
const BAUD_RATES = new Set([1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]);
const DEFAULT_BAUD = 19200;
const DEFAULT_PORT = 9100;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new PrinterConfigError('malformed', `bad %-escape in "${s}"`);
  }
}

function splitQuery(rest: string): { base: string; params: Map<string, string> } {
  const q = rest.indexOf('?');
  const base = q < 0 ? rest : rest.slice(0, q);
  const params = new Map<string, string>();
  if (q >= 0) {
    for (const part of rest.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decode(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? '' : decode(part.slice(eq + 1));
      if (params.has(key)) throw new PrinterConfigError('duplicate_parameter', `parameter "${key}" given twice`);
      params.set(key, value);
    }
  }
  return { base, params };
}

function common(params: Map<string, string>, allowed: readonly string[]): Common {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw new PrinterConfigError('unknown_parameter', `unknown parameter "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
  const w = params.get('width') ?? '80';
  if (w !== '58' && w !== '80') throw new PrinterConfigError('bad_width', `width must be 58 or 80 (mm), got "${w}"`);
  const enc = (params.get('encoding') ?? 'gb18030').toLowerCase();
  if (enc !== 'gb18030' && enc !== 'cp437') {
    throw new PrinterConfigError('bad_encoding', `encoding must be gb18030 or cp437, got "${enc}"`);
  }
  const st = (params.get('status') ?? 'on').toLowerCase();
  if (st !== 'on' && st !== 'off') throw new PrinterConfigError('bad_status', `status must be on or off, got "${st}"`);
  return { width: w === '58' ? 58 : 80, encoding: enc, status: st === 'on' };
}

function parseTcp(rest: string): PrinterConfig {
  // rest is "//host[:port][/][?query]"
  if (!rest.startsWith('//')) throw new PrinterConfigError('bad_host', 'tcp printers are written tcp://<host>:9100');
  const { base, params } = splitQuery(rest.slice(2));
  const authority = base.endsWith('/') ? base.slice(0, -1) : base;
  if (authority.includes('/') || authority.includes('@')) {
    throw new PrinterConfigError('bad_host', `"${authority}" is not host[:port]`);
  }
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(authority);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2];
  } else {
    const parts = authority.split(':');
    if (parts.length > 2)
      throw new PrinterConfigError('bad_host', `write IPv6 addresses in brackets: tcp://[${authority}]`);
    host = parts[0] ?? '';
    portText = parts[1];
  }
  if (!v6 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) {
    throw new PrinterConfigError('bad_host', `"${host}" is not a host name or address`);
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new PrinterConfigError('bad_port', `"${portText}" is not a TCP port`);
    }
    port = Number(portText);
  }
  return { kind: 'tcp', host, port, ...common(params, ['width', 'encoding', 'status']) };
}

function parseSerial(rest: string): PrinterConfig {
  const { base, params } = splitQuery(rest);
  const path = base;
  if (!/^(\/[^\0?]+|COM\d{1,3}|\\\\\.\\COM\d{1,3})$/i.test(path)) {
    throw new PrinterConfigError('bad_path', `"${path}" is not a serial device (e.g. /dev/ttyS0 or COM3)`);
  }
  const baudText = params.get('baud') ?? String(DEFAULT_BAUD);
  const baudRate = Number(baudText);
  if (!/^\d+$/.test(baudText) || !BAUD_RATES.has(baudRate)) {
    throw new PrinterConfigError('bad_baud', `baud must be one of ${[...BAUD_RATES].join(', ')}, got "${baudText}"`);
  }
  const flow = (params.get('flow') ?? 'none').toLowerCase();
  if (flow !== 'none' && flow !== 'rtscts' && flow !== 'xonxoff') {
    throw new PrinterConfigError('bad_flow', `flow must be none, rtscts or xonxoff, got "${flow}"`);
  }
  return {
    kind: 'serial',
    path,
    baudRate,
    flow,
    ...common(params, ['baud', 'flow', 'width', 'encoding', 'status']),
  };
}

function parseFile(rest: string): PrinterConfig {
  const { base, params } = splitQuery(rest.startsWith('//') ? rest.slice(2) : rest);
  if (!/^(\/[^\0]*[^/\0]|[A-Za-z]:\\[^\0]+|\\\\[^\0]+)$/.test(base)) {
    throw new PrinterConfigError('bad_path', `"${base}" is not an absolute device path (e.g. /dev/usb/lp0)`);
  }
  // A device file is written only: there is nobody to ask for status.
  const c = common(params, ['width', 'encoding']);
  return { kind: 'file', path: base, ...c, status: false };
}

export function parsePrinterUrl(raw: string | undefined | null): PrinterConfig {
  const text = (raw ?? 'none').trim();
  if (text === '') throw new PrinterConfigError('empty', 'empty; use "none" for no printer');
  if (text.toLowerCase() === 'none') return { kind: 'none' };
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  switch (scheme) {
    case 'tcp':
      return parseTcp(rest);
    case 'serial':
      return parseSerial(rest);
    case 'file':
      return parseFile(rest);
    default:
      throw new PrinterConfigError(
        'unknown_scheme',
        `"${text}" is not tcp://<host>:9100, serial:<device>?baud=<rate>, file:<device> or none`,
      );
  }
}

/** The printer's address as shown in /v1/health and logs. */
export function describePrinter(c: PrinterConfig): string {
  switch (c.kind) {
    case 'none':
      return 'none';
    case 'tcp':
      return `tcp://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;
    case 'serial':
      return `serial:${c.path}?baud=${c.baudRate}`;
    case 'file':
      return `file:${c.path}`;
    default: {
      const never: never = c;
      throw new Error(`unknown printer kind ${JSON.stringify(never)}`);
    }
  }
}
