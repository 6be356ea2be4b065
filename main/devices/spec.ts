/**
 * TILL_SCANNERS (CONTRACTS.md): the card readers a till uses, comma-separated.
 *
 *   serial:<path>[?options]        serial barcode scanner (RS-232, USB virtual COM port)
 *   nfc-serial:<path>[?options]    serial NFC reader
 *   hid:<vid>:<pid>[?options]      USB HID reader: HID POS scanner or keyboard-mode reader
 *   pcsc[:<reader name>]           PC/SC NFC readers (ACR122U class); all, or those whose name
 *                                  contains the text
 *   keyboard                       keyboard wedge, read by the UI (the till opens nothing)
 *
 * Options (URL query syntax; percent-encode ',', '&' and '#' inside values):
 *   serial, nfc-serial: baud (default 9600), bits (7|8), parity (none|even|odd),
 *                       term (auto|cr|lf|crlf: a code ends at CR, LF or ETX; none: at idle),
 *                       idle (ms of silence ending a code when term=none), prefix, suffix
 *   nfc-serial, hid with reads=nfc: profile (hex-msb default, hex-lsb, decimal10-msb,
 *                       decimal10-lsb, decimal-msb, decimal-lsb)
 *   hid:                mode (auto|pos|keyboard), reads (barcode|nfc), serial (the device's
 *                       serial number), prefix, suffix, report (report ID)
 * Every mistake is refused with a message naming the entry and what is wrong.
 */
import type { Affixes } from '../../core/cards/symbology.js';
import type { UidProfile } from '../../core/cards/uid.js';
import { UID_PROFILES } from '../../core/cards/uid-line.js';
import { hex4, type HidMode } from '../../native/scanners/hid.js';

export interface SerialSpec {
  kind: 'serial' | 'nfc-serial';
  id: string;
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  term: 'line' | 'none';
  /** term=none: silence ending a code; undefined = from the baud rate */
  idleMs?: number | undefined;
  affixes?: Affixes | undefined;
  /** nfc-serial only */
  uidProfile?: UidProfile | undefined;
}

export interface HidSpec {
  kind: 'hid';
  id: string;
  vendorId: number;
  productId: number;
  serialNumber?: string | undefined;
  mode: HidMode;
  reads: 'barcode' | 'nfc';
  reportId?: number | undefined;
  affixes?: Affixes | undefined;
  uidProfile?: UidProfile | undefined;
}

export interface PcscSpec {
  kind: 'pcsc';
  id: string;
  readerFilter?: string | undefined;
}

export interface KeyboardSpec {
  kind: 'keyboard';
  id: 'keyboard';
}

export type ScannerSpec = SerialSpec | HidSpec | PcscSpec | KeyboardSpec;

export class ScannerSpecError extends Error {
  readonly code = 'config_error';
  constructor(message: string) {
    super(message);
    this.name = 'ScannerSpecError';
  }
}

export const SCANNER_KINDS = ['serial', 'nfc-serial', 'hid', 'pcsc', 'keyboard'] as const;
const DEFAULT_BAUD = 9600;

function fail(entry: string, why: string): never {
  throw new ScannerSpecError(`"${entry}": ${why}`);
}

function splitQuery(entry: string, rest: string): { body: string; params: URLSearchParams } {
  const q = rest.indexOf('?');
  if (q < 0) return { body: rest, params: new URLSearchParams() };
  try {
    return { body: rest.slice(0, q), params: new URLSearchParams(rest.slice(q + 1)) };
  } catch {
    fail(entry, 'options are not valid URL query syntax');
  }
}

function checkKnown(entry: string, params: URLSearchParams, known: readonly string[]): void {
  const seen = new Set<string>();
  for (const k of params.keys()) {
    if (!known.includes(k)) fail(entry, `unknown option "${k}" (known: ${known.join(', ')})`);
    if (seen.has(k)) fail(entry, `option "${k}" is given twice`);
    seen.add(k);
  }
}

function oneOf<T extends string>(entry: string, name: string, v: string | null, allowed: readonly T[], dflt: T): T {
  if (v === null) return dflt;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  return fail(entry, `${name} must be one of ${allowed.join(', ')}, got "${v}"`);
}

function integer(entry: string, name: string, v: string | null, min: number, max: number): number | undefined {
  if (v === null) return undefined;
  if (!/^[0-9]+$/.test(v)) fail(entry, `${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) fail(entry, `${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function affixes(entry: string, params: URLSearchParams): Affixes | undefined {
  const prefix = params.get('prefix');
  const suffix = params.get('suffix');
  for (const [k, v] of [
    ['prefix', prefix],
    ['suffix', suffix],
  ] as const) {
    if (v !== null && (v.length === 0 || v.length > 16)) fail(entry, `${k} must be 1 to 16 characters`);
  }
  if (prefix === null && suffix === null) return undefined;
  return { ...(prefix !== null ? { prefix } : {}), ...(suffix !== null ? { suffix } : {}) };
}

function uidProfile(entry: string, v: string | null): UidProfile {
  if (v === null) return { format: 'hex', byteOrder: 'msb' };
  const alias = v === 'hex' ? 'hex-msb' : v;
  const p = UID_PROFILES[alias];
  if (p) return { ...p };
  if (v === 'decimal10' || v === 'decimal') {
    fail(entry, `profile ${v} needs a byte order: ${v}-msb or ${v}-lsb (try both with one card)`);
  }
  return fail(entry, `profile must be one of hex, ${Object.keys(UID_PROFILES).join(', ')}, got "${v}"`);
}

function devicePath(entry: string, path: string): string {
  if (path.length === 0) fail(entry, 'a device path is required, e.g. serial:/dev/ttyUSB0');
  const unix = path.startsWith('/');
  const windows = /^(?:\\\\\.\\)?COM[0-9]{1,3}$/i.test(path);
  if (!unix && !windows) fail(entry, `"${path}" is not a device path (/dev/... or COMn)`);
  return path;
}

function parseSerial(entry: string, kind: 'serial' | 'nfc-serial', rest: string): SerialSpec {
  const { body, params } = splitQuery(entry, rest);
  const known = [
    'baud',
    'bits',
    'parity',
    'term',
    'idle',
    'prefix',
    'suffix',
    ...(kind === 'nfc-serial' ? ['profile'] : []),
  ];
  checkKnown(entry, params, known);
  const path = devicePath(entry, body);
  const baudRate = integer(entry, 'baud', params.get('baud'), 50, 4_000_000) ?? DEFAULT_BAUD;
  const bits = integer(entry, 'bits', params.get('bits'), 7, 8) ?? 8;
  const term = oneOf(entry, 'term', params.get('term'), ['auto', 'cr', 'lf', 'crlf', 'none'] as const, 'auto');
  const idleMs = integer(entry, 'idle', params.get('idle'), 5, 10_000);
  if (idleMs !== undefined && term !== 'none') fail(entry, 'idle only applies with term=none');
  return {
    kind,
    id: `${kind}:${path}`,
    path,
    baudRate,
    dataBits: bits === 7 ? 7 : 8,
    parity: oneOf(entry, 'parity', params.get('parity'), ['none', 'even', 'odd'] as const, 'none'),
    term: term === 'none' ? 'none' : 'line',
    idleMs,
    affixes: affixes(entry, params),
    ...(kind === 'nfc-serial' ? { uidProfile: uidProfile(entry, params.get('profile')) } : {}),
  };
}

function hexId(entry: string, what: string, v: string | undefined): number {
  if (v === undefined || !/^[0-9a-fA-F]{1,4}$/.test(v)) {
    fail(entry, `${what} must be 1 to 4 hex digits, as lsusb shows it (hid:0c2e:0b61)`);
  }
  return parseInt(v, 16);
}

function parseHid(entry: string, rest: string): HidSpec {
  const { body, params } = splitQuery(entry, rest);
  checkKnown(entry, params, ['mode', 'reads', 'profile', 'serial', 'prefix', 'suffix', 'report']);
  const parts = body.split(':');
  if (parts.length !== 2) fail(entry, 'expected hid:<vendor id>:<product id>, e.g. hid:0c2e:0b61');
  const vendorId = hexId(entry, 'vendor id', parts[0]);
  const productId = hexId(entry, 'product id', parts[1]);
  const mode = oneOf(entry, 'mode', params.get('mode'), ['auto', 'pos', 'keyboard'] as const, 'auto');
  const reads = oneOf(entry, 'reads', params.get('reads'), ['barcode', 'nfc'] as const, 'barcode');
  if (reads === 'nfc' && mode === 'pos')
    fail(entry, 'HID POS scanners read barcodes; an NFC reader needs mode=keyboard');
  if (params.get('profile') !== null && reads !== 'nfc') fail(entry, 'profile applies to NFC readers (reads=nfc)');
  const serialNumber = params.get('serial') ?? undefined;
  if (serialNumber !== undefined && (serialNumber.length === 0 || serialNumber.length > 64)) {
    fail(entry, 'serial must be 1 to 64 characters');
  }
  const reportId = integer(entry, 'report', params.get('report'), 1, 255);
  const name = `${hex4(vendorId)}:${hex4(productId)}`;
  return {
    kind: 'hid',
    id: `hid:${name}${serialNumber ? `#${serialNumber}` : ''}`,
    vendorId,
    productId,
    serialNumber,
    mode,
    reads,
    reportId,
    affixes: affixes(entry, params),
    ...(reads === 'nfc' ? { uidProfile: uidProfile(entry, params.get('profile')) } : {}),
  };
}

function parseEntry(entry: string): ScannerSpec {
  if (entry === 'keyboard') return { kind: 'keyboard', id: 'keyboard' };
  if (entry === 'pcsc') return { kind: 'pcsc', id: 'pcsc' };
  const colon = entry.indexOf(':');
  const kind = colon < 0 ? entry : entry.slice(0, colon);
  const rest = colon < 0 ? '' : entry.slice(colon + 1);
  switch (kind) {
    case 'serial':
    case 'nfc-serial':
      return parseSerial(entry, kind, rest);
    case 'hid':
      return parseHid(entry, rest);
    case 'pcsc': {
      const name = rest.trim();
      if (name.length === 0 || name.length > 128) fail(entry, 'pcsc:<reader name> needs 1 to 128 characters of a name');
      return { kind: 'pcsc', id: `pcsc:${name}`, readerFilter: name };
    }
    case 'keyboard':
      return fail(entry, 'keyboard takes no options');
    default:
      return fail(entry, `unknown reader kind "${kind}" (known: ${SCANNER_KINDS.join(', ')})`);
  }
}

/** TILL_SCANNERS -> typed reader configurations. Throws ScannerSpecError. */
export function parseScanners(value: string): ScannerSpec[] {
  if (value.length > 4096) throw new ScannerSpecError('TILL_SCANNERS is longer than 4096 characters');
  const specs: ScannerSpec[] = [];
  const ids = new Set<string>();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const spec = parseEntry(entry);
    if (ids.has(spec.id)) throw new ScannerSpecError(`"${entry}": ${spec.id} is configured twice`);
    ids.add(spec.id);
    specs.push(spec);
  }
  const pcsc = specs.filter((s) => s.kind === 'pcsc');
  if (pcsc.some((s) => s.id === 'pcsc') && pcsc.length > 1) {
    throw new ScannerSpecError('"pcsc" already takes every PC/SC reader; drop the named pcsc:... entries or it');
  }
  return specs;
}
