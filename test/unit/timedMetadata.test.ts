import { describe, expect, it } from 'vitest';
import { decodeAmf0 } from '../../electron/engine/destinations/rtmp.ts';
import { type FlvTag, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../../electron/engine/media/flv.ts';
import { amf0DataName, buildSeiNal, buildTextDataPayload, insertNalIntoAvcTag, readCutlineSei } from '../../electron/engine/media/timedMetadata.ts';
import { type FlvConsumer, FlvFanout } from '../../electron/engine/program/FlvFanout.ts';

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

describe('timed metadata as an AMF0 onTextData data message', () => {
  it('encodes onTextData {type: "Text", text} that AMF0 readers decode, long strings included', () => {
    const json = JSON.stringify({ pts: 40, object: 'poll', version: 2, op: 'vote', state: { n: 'é' } });
    expect(decodeAmf0(buildTextDataPayload(json))).toEqual(['onTextData', { type: 'Text', text: json }]);
    expect(amf0DataName(buildTextDataPayload(json))).toBe('onTextData');
    const long = 'x'.repeat(70_000);
    const payload = buildTextDataPayload(long);
    expect(payload.includes(Buffer.from([0x0c, 0, 1, 0x11, 0x70]))).toBe(true); // long string, 70000 bytes
    expect(decodeAmf0(payload)).toEqual(['onTextData', { type: 'Text', text: long }]);
  });

  it('FlvFanout sends it just before the video tag at the same timestamp, only to consumers that want it, and keeps it in the GOP', () => {
    const fanout = new FlvFanout(1000 / 30);
    const seen = (wants: boolean) => {
      const tags: FlvTag[] = [];
      const consumer: FlvConsumer = { onStreamStart: () => {}, onTag: (t) => tags.push(t), wantsDataMessages: wants };
      fanout.add(consumer);
      return tags;
    };
    const rtmp = seen(true);
    const muxer = seen(false);
    fanout.push({ type: TAG_VIDEO, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1]) });
    fanout.push({ type: TAG_AUDIO, timestamp: 0, payload: Buffer.from([0xaf, 0, 0x12, 0x10]) });
    const frame = (key: boolean, ts: number): FlvTag => ({ type: TAG_VIDEO, timestamp: ts, payload: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88]) });
    fanout.push(frame(true, 0));
    fanout.queueData({ pts: 33, object: 'poll', version: 1, op: 'open', state: {} });
    fanout.push(frame(false, 33));
    expect(muxer.map((t) => t.type)).toEqual([TAG_VIDEO, TAG_VIDEO]);
    expect(rtmp.map((t) => [t.type, t.timestamp])).toEqual([[TAG_VIDEO, 0], [TAG_SCRIPT, 33], [TAG_VIDEO, 33]]);
    const [name, body] = decodeAmf0(rtmp[1].payload) as [string, { text: string }];
    expect(name).toBe('onTextData');
    expect(readCutlineSei(rtmp[2].payload).map(String)).toEqual([body.text]);
    expect(fanout.currentGop().map((t) => t.type)).toEqual([TAG_VIDEO, TAG_SCRIPT, TAG_VIDEO]);
  });
});
