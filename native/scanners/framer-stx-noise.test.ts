/**
 * native/scanners/framer.ts: "STX starts a frame" and "any other byte inside a frame damages the
 * frame, which is then reported as misread_noise and never looked up; a code is never repaired
 * by dropping a byte". A noise byte right after STX is inside the frame too: before, the frame
 * was still empty, the byte was dropped as if between frames and the rest of the code delivered
 * as a good read (a garbled first digit could make a shorter, different valid card).
 */
import { describe, expect, it } from 'vitest';
import { Framer } from './framer.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('Framer: noise right after STX is inside the frame', () => {
  it('refuses STX <noise> digits ETX as misread_noise instead of delivering the digits', () => {
    const f = new Framer();
    const frames = [
      ...f.push(Buffer.from([0x02]), 0),
      ...f.push(Buffer.from([0xb2]), 1), // the first digit, garbled
      ...f.push(b('183490000014\x03'), 2),
    ];
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ error: 'misread_noise' });
  });

  it('the same with the noise in one chunk with the code', () => {
    const f = new Framer();
    const frames = f.push(Buffer.concat([Buffer.from([0x02, 0x00]), b('123456789012\r')]), 0);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.error).toBe('misread_noise');
  });
});

describe('Framer: an STX with no code', () => {
  it('reports nothing and leaves the next code undamaged', () => {
    const f = new Framer();
    expect([...f.push(Buffer.from([0x02, 0x00, 0x03]), 0), ...f.push(b('123456789012\r'), 1)]).toEqual([
      { text: '123456789012', at: 1 },
    ]);
    expect(f.push(Buffer.from([0x02]), 2)).toEqual([]);
    expect(f.deadline()).not.toBeNull();
    expect(f.tick(60_000)).toEqual([]);
    expect(f.deadline()).toBeNull();
    expect(f.push(Buffer.from([0x07]), 60_001)).toEqual([]);
    expect(f.push(b('123456789012\r'), 60_002)).toEqual([{ text: '123456789012', at: 60_002 }]);
  });
});
