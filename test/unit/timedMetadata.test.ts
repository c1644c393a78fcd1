import { describe, expect, it } from 'vitest';
import { buildSeiNal, insertNalIntoAvcTag, readCutlineSei } from '../../electron/engine/media/timedMetadata.ts';

function avcTag(nals: Buffer[], key = true): Buffer {
  // (typed loosely: Buffer.concat yields Buffer<ArrayBufferLike>)
  const parts: Buffer[] = [Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0])];
  for (const nal of nals) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(nal.length);
    parts.push(len, nal);
  }
  return Buffer.concat(parts);
}

describe('timed metadata in H.264 SEI', () => {
  it('round-trips JSON through an SEI inserted before the first slice, with emulation prevention', () => {
    const aud = Buffer.from([0x09, 0xf0]);
    const slice = Buffer.from([0x65, 0x88, 0x84, 0x00]);
    const json = Buffer.from(JSON.stringify({ object: 'poll', version: 3, zeros: '\u0000\u0000\u0001' }));
    const tag = insertNalIntoAvcTag(avcTag([aud, slice]), buildSeiNal(json));
    // AUD stays first, then the SEI, then the slice.
    expect(tag.readUInt32BE(5)).toBe(2);
    expect(tag[9]).toBe(0x09);
    expect(tag[15] & 0x1f).toBe(6);
    expect(tag.subarray(tag.length - 4).equals(slice)).toBe(true);
    expect(readCutlineSei(tag).map(String)).toEqual([json.toString()]);
  });

  it('handles payloads over 255 bytes (multi-byte size) and leaves non-AVC tags alone', () => {
    const big = Buffer.alloc(700, 'x');
    const tag = insertNalIntoAvcTag(avcTag([Buffer.from([0x41, 1, 2])], false), buildSeiNal(big));
    expect(readCutlineSei(tag)[0].length).toBe(700);
    const seqHeader = Buffer.from([0x17, 0, 0, 0, 0, 1]);
    expect(insertNalIntoAvcTag(seqHeader, buildSeiNal(big))).toBe(seqHeader);
  });
});
