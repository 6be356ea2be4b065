import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextToken, tokenize } from './escpos-tokens.js';
import { PrinterCore } from './simulator.js';
import { interpretStatus, isStatusByte, statusBytesFor } from './status.js';

describe('DLE EOT status bytes', () => {
  it('reads the Epson answers for ready, paper out, cover open, paper low, error', () => {
    expect(interpretStatus({ printer: 0x12, offlineCause: null, errorCause: null, paper: 0x12 })).toMatchObject({
      state: 'ready',
      paperLow: false,
    });
    // offline, stopped at paper end, paper sensor: end
    expect(interpretStatus({ printer: 0x1a, offlineCause: 0x32, errorCause: null, paper: 0x72 }).state).toBe(
      'paper_out',
    );
    // offline, cover open
    expect(interpretStatus({ printer: 0x1a, offlineCause: 0x16, errorCause: null, paper: 0x12 }).state).toBe(
      'cover_open',
    );
    // near end only: still prints, screen warns
    expect(interpretStatus({ printer: 0x12, offlineCause: null, errorCause: null, paper: 0x1e })).toMatchObject({
      state: 'ready',
      paperLow: true,
    });
    // offline with an error (auto-cutter)
    expect(interpretStatus({ printer: 0x1a, offlineCause: 0x52, errorCause: 0x1a, paper: 0x12 }).state).toBe('error');
    // offline with no cause given
    expect(interpretStatus({ printer: 0x1a, offlineCause: 0x12, errorCause: null, paper: 0x12 }).state).toBe('offline');
  });

  it('simulated answers are valid status bytes and read back as the condition', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (paperOut, coverOpen, paperLow, error) => {
        const s = statusBytesFor({ paperOut, coverOpen, paperLow, error });
        for (const b of Object.values(s)) expect(isStatusByte(b)).toBe(true);
        const r = interpretStatus(s);
        const expected = coverOpen ? 'cover_open' : paperOut ? 'paper_out' : error ? 'error' : 'ready';
        expect(r.state).toBe(expected);
        expect(r.paperLow).toBe(paperLow && !paperOut);
      }),
    );
  });

  it('tells status answers from noise', () => {
    expect(isStatusByte(0x12)).toBe(true);
    expect(isStatusByte(0x00)).toBe(false);
    expect(isStatusByte(0xff)).toBe(false);
    expect(isStatusByte(0x0a)).toBe(false);
  });
});

describe('ESC/POS tokenizer', () => {
  it('splits commands with their parameters, data and line feeds', () => {
    const bytes = Buffer.concat([
      Buffer.from([0x1b, 0x40]),
      Buffer.from([0x1b, 0x74, 0x00, 0x1c, 0x26]),
      Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), // 中文 in GB18030
      Buffer.from([0x0a]),
      Buffer.from([0x1d, 0x28, 0x6b, 0x05, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42]),
      Buffer.from([0x1d, 0x6b, 0x49, 0x03, 0x7b, 0x42, 0x41]),
      Buffer.from([0x1d, 0x56, 0x42, 0x00]),
      Buffer.from([0x10, 0x04, 0x04]),
    ]);
    const names = tokenize(bytes).map((t) => (t.type === 'cmd' ? t.name : t.type));
    expect(names).toEqual([
      'ESC @',
      'ESC t',
      'FS &',
      'data',
      'data',
      'data',
      'data',
      'lf',
      'GS ( k',
      'GS k',
      'GS V',
      'DLE EOT',
    ]);
  });

  it('waits for the rest of a command cut off by the end of a chunk', () => {
    const qr = Buffer.from([0x1d, 0x28, 0x6b, 0x05, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42]);
    for (let cut = 1; cut < qr.length; cut++) expect(nextToken(qr.subarray(0, cut), 0)).toBeNull();
    expect(nextToken(qr, 0)?.next).toBe(qr.length);
  });

  it('the simulated printer finds the same receipts however the stream is chunked', () => {
    const receipt = Buffer.concat([
      Buffer.from([0x1b, 0x40, 0x1c, 0x26]),
      Buffer.from('ab\n', 'latin1'),
      // Code 128 code C "2986": the bytes GS V would be inside it, the tokenizer is not fooled
      Buffer.from([0x1d, 0x6b, 0x49, 0x04, 0x7b, 0x43, 0x1d, 0x56]),
      Buffer.from([0x1d, 0x56, 0x42, 0x00]),
    ]);
    const stream = Buffer.concat([receipt, Buffer.from([0x10, 0x04, 0x01]), receipt]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
        const core = new PrinterCore();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let from = 0;
        const answers: number[] = [];
        for (const p of [...points, stream.length]) {
          answers.push(...core.feed(stream.subarray(from, p)));
          from = p;
        }
        expect(core.receipts.map((r) => r.toString('hex'))).toEqual([receipt.toString('hex'), receipt.toString('hex')]);
        expect(answers).toEqual([0x12]);
      }),
    );
  });
});
