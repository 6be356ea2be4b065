/** Frames (framer, HID decoders) -> the reads the device manager gets. */
import { stripAffixes, type Affixes } from '../../core/cards/symbology.js';
import type { UidProfile } from '../../core/cards/uid.js';
import { parseUidLine } from '../../core/cards/uid-line.js';
import type { Frame } from './framer.js';
import type { CardKind, CardRead } from './types.js';

export interface ReadShaping {
  /** the reader's configured prefix/suffix, removed where present */
  affixes?: Affixes | undefined;
  /** NFC readers: how the reader prints a UID; default hex in card order */
  uidProfile?: UidProfile | undefined;
}

/** A frame -> a read: affixes removed; for NFC readers the UID normalised (core/cards) or refused. */
export function frameToRead(f: Frame, kind: CardKind, opts: ReadShaping): CardRead {
  if (f.error) return { kind, text: f.text, error: f.error, at: f.at };
  const text = opts.affixes ? stripAffixes(f.text, opts.affixes) : f.text;
  if (kind === 'barcode') return { kind, text, at: f.at };
  const r = parseUidLine(text, opts.uidProfile ?? { format: 'hex', byteOrder: 'msb' });
  return r.ok ? { kind, text: r.uid, at: f.at } : { kind, text: f.text, error: 'invalid_uid', at: f.at };
}
