/** Inbox bodies (inbox-body.ts): the till's bytes sealed as sent, opened to the batch the upload was parsed to. */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, UploadBatch } from '../../core/sync/protocol.js';
import { TillSim } from '../../loadgen/till-sim.js';
import { HqCipher } from '../crypto.js';
import { openInboxBody, sealedText, sealInboxBody } from './inbox-body.js';

const cipher = new HqCipher({ dataKey: randomBytes(32), lookupKey: randomBytes(32) });

function upload(): { body: unknown; batch: UploadBatch } {
  const till = new TillSim('T1', 'S1', 'secret');
  till.enrol('M1', '2026-12-01T02:00:00.000Z', { name: '张伟', phone: '13800138000' });
  till.sale('M1', 12_345, '2026-12-01T02:01:00.000Z');
  till.sale('M1', 5_000, '2026-12-01T02:02:00.000Z');
  const body = till.batch(1);
  return { body, batch: UploadBatch.parse(body) };
}

describe('inbox bodies', () => {
  it('keeps the gzip a till sent, sealed, and opens it to the batch it was parsed to', () => {
    const { body, batch } = upload();
    const wire = gzipSync(Buffer.from(JSON.stringify(body)));
    const sealed = sealInboxBody(cipher, batch, { bytes: wire, coding: 'gzip' });
    expect(sealed.length).toBeLessThan(wire.length + 64);
    expect(sealed.includes(wire)).toBe(false);
    expect(openInboxBody(cipher, sealed)).toEqual(batch);
  });

  it('keeps an identity body as sent too', () => {
    const { body, batch } = upload();
    const sealed = sealInboxBody(cipher, batch, { bytes: Buffer.from(JSON.stringify(body)), coding: 'identity' });
    expect(openInboxBody(cipher, sealed)).toEqual(batch);
  });

  it('opens a body to what the schema keeps of it, as on arrival (a field it does not know is dropped)', () => {
    const { body, batch } = upload();
    const extra = { ...(body as Record<string, unknown>), fromTheFuture: 'x'.repeat(100) };
    const sealed = sealInboxBody(cipher, batch, { bytes: gzipSync(JSON.stringify(extra)), coding: 'gzip' });
    const opened = openInboxBody(cipher, sealed);
    expect(opened).toEqual(batch);
    expect(opened).not.toHaveProperty('fromTheFuture');
  });

  it('opens a body sealed before the wire form: the parsed batch as JSON', () => {
    const { batch } = upload();
    expect(openInboxBody(cipher, sealInboxBody(cipher, batch))).toEqual(batch);
    expect(openInboxBody(cipher, cipher.encrypt(JSON.stringify(batch)))).toEqual(batch);
  });

  it('refuses a body that does not open: another key, a flipped byte, an unknown coding, a bomb', () => {
    const { body, batch } = upload();
    const sealed = sealInboxBody(cipher, batch, { bytes: gzipSync(JSON.stringify(body)), coding: 'gzip' });
    const other = new HqCipher({ dataKey: randomBytes(32), lookupKey: randomBytes(32) });
    expect(() => openInboxBody(other, sealed)).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => openInboxBody(cipher, flipped)).toThrow();
    const unknown = cipher.encryptBytes(Buffer.concat([Buffer.from([0, 0x7a]), Buffer.from(JSON.stringify(body))]));
    expect(() => openInboxBody(cipher, unknown)).toThrow(/unknown coding/);
    const bomb = gzipSync(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20));
    const sealedBomb = sealInboxBody(cipher, batch, { bytes: bomb, coding: 'gzip' });
    expect(() => openInboxBody(cipher, sealedBomb)).toThrow();
  });

  it('gives the text any sealed value holds, inflating an inbox body (the at-rest scan reads it)', () => {
    const { body, batch } = upload();
    const json = JSON.stringify(body);
    expect(sealedText(cipher, sealInboxBody(cipher, batch, { bytes: gzipSync(json), coding: 'gzip' }))).toEqual({
      text: json,
      wire: true,
    });
    expect(sealedText(cipher, cipher.encrypt('张伟'))).toEqual({ text: '张伟', wire: false });
  });
});
