/**
 * FrameAssembler: RTP video packets back into whole frames a decoder can use. The packets are
 * made the way Chromium and OBS send them (VP8 with a 15-bit picture id, padding-only probes in
 * the sequence; H.264 STAP-A + FU-A, parameter sets in band or only in the SDP), then lost,
 * duplicated and wrapped around. A frame with a hole must never come out as if whole.
 */
import { describe, expect, it } from 'vitest';
import { packetizeH264 } from '../../electron/engine/webrtc/bitstream.ts';
import { type AssemblerOutput, FrameAssembler, type RtpVideoPacket } from '../../electron/engine/webrtc/FrameAssembler.ts';
import { h264SpsSize, parseVp8Payload, spropParameterSets } from '../../electron/engine/webrtc/rtpVideoPayload.ts';

/** A VP8 frame's bytes: a keyframe announces its size (RFC 6386 §9.1), an interframe has bit 0 set. */
function vp8Frame(key: boolean, bytes: number, width = 640, height = 360): Buffer {
  const frame = Buffer.alloc(bytes, key ? 0x5a : 0x3c);
  if (key) {
    frame[0] = 0x30;
    frame.set([0x9d, 0x01, 0x2a], 3);
    frame.writeUInt16LE(width, 6);
    frame.writeUInt16LE(height, 8);
  } else frame[0] = 0x31;
  return frame;
}

/** Packets of one VP8 frame as Chromium sends it: X=1, I=1 with a 15-bit picture id, 1100-byte payloads. */
function vp8Packets(frame: Buffer, seq: number, timestamp: number, pictureId: number, mtu = 1100): RtpVideoPacket[] {
  const packets: RtpVideoPacket[] = [];
  for (let offset = 0; offset < frame.length; offset += mtu) {
    const descriptor = Buffer.from([0x80 | (offset === 0 ? 0x10 : 0), 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff]);
    const last = offset + mtu >= frame.length;
    packets.push({ sequenceNumber: (seq + packets.length) & 0xffff, timestamp, marker: last, payload: Buffer.concat([descriptor, frame.subarray(offset, offset + mtu)]) });
  }
  return packets;
}

function padding(seq: number, timestamp: number): RtpVideoPacket {
  return { sequenceNumber: seq & 0xffff, timestamp, marker: false, payload: Buffer.alloc(0) };
}

function feed(assembler: FrameAssembler, packets: RtpVideoPacket[]): AssemblerOutput[] {
  return packets.flatMap((p) => assembler.push(p));
}

/** A stream of VP8 frames (keyframe first), with the packets of each frame. */
function vp8Stream(count: number, { startSeq = 1000, frameBytes = 5000, keyEvery = 1000 } = {}) {
  let seq = startSeq;
  return Array.from({ length: count }, (_, i) => {
    const frame = vp8Frame(i % keyEvery === 0, i % keyEvery === 0 ? frameBytes * 3 : frameBytes);
    const packets = vp8Packets(frame, seq, 3000 * i, (5000 + i) & 0x7fff);
    seq += packets.length;
    return { frame, packets };
  });
}

describe('FrameAssembler: VP8', () => {
  it('reassembles a 640x360 keyframe spread over many packets byte for byte, with its size', () => {
    const a = new FrameAssembler('vp8');
    const [{ frame, packets }] = vp8Stream(1);
    expect(packets.length).toBeGreaterThan(10);
    const out = feed(a, packets);
    expect(out).toEqual([{ kind: 'frame', data: frame, keyframe: true, rtpTimestamp: 0, size: { width: 640, height: 360 } }]);
  });

  it('skips padding-only packets (bandwidth probes) without losing the frame after them', () => {
    const a = new FrameAssembler('vp8');
    const stream = vp8Stream(3);
    let seq = stream[0].packets.at(-1)!.sequenceNumber + 1;
    const probes = Array.from({ length: 20 }, () => padding(seq++, 0));
    const rest = stream.slice(1).flatMap((f, i) => vp8Packets(f.frame, seq + i * 5, 3000 * (i + 1), 5001 + i));
    const out = feed(a, [...stream[0].packets, ...probes, ...rest]);
    expect(out.map((o) => o.kind)).toEqual(['frame', 'frame', 'frame']);
    expect(a.counters.paddingPackets).toBe(20);
  });

  it('never hands on a frame with a lost packet, nor the frames after it until a keyframe', () => {
    const a = new FrameAssembler('vp8');
    const stream = vp8Stream(6, { keyEvery: 4 });
    const packets = stream.flatMap((f) => f.packets);
    const lost = stream[1].packets[2].sequenceNumber;
    const out = feed(
      a,
      packets.filter((p) => p.sequenceNumber !== lost),
    );
    expect(out.map((o) => (o.kind === 'frame' ? (o.keyframe ? 'key' : 'delta') : o.reason))).toEqual([
      'key',
      'a packet of the frame was lost',
      'waiting for a keyframe',
      'waiting for a keyframe',
      'key',
      'delta',
    ]);
    expect(a.counters.lostPackets).toBe(1);
  });

  it('after lost packets between frames, the picture id tells lost padding from a lost frame', () => {
    const stream = vp8Stream(4);
    const a = new FrameAssembler('vp8');
    // Padding lost: the next frame's picture id follows on, so it is decodable.
    const afterPadding = vp8Packets(stream[1].frame, stream[0].packets.at(-1)!.sequenceNumber + 4, 3000, 5001);
    expect(feed(a, [...stream[0].packets, ...afterPadding]).map((o) => o.kind)).toEqual(['frame', 'frame']);
    // A whole frame lost: the picture id jumps, and the decoder must not see what follows.
    const b = new FrameAssembler('vp8');
    const out = feed(b, [...stream[0].packets, ...stream[2].packets, ...stream[3].packets]);
    expect(out.map((o) => (o.kind === 'frame' ? 'frame' : o.reason))).toEqual(['frame', 'a frame before it was lost', 'waiting for a keyframe']);
  });

  it('drops a frame whose first or last packet was lost', () => {
    const stream = vp8Stream(4);
    const a = new FrameAssembler('vp8');
    const noStart = stream[1].packets.slice(1);
    const noEnd = stream[2].packets.slice(0, -1);
    const out = feed(a, [...stream[0].packets, ...noStart, ...noEnd, ...stream[3].packets]);
    expect(out.map((o) => (o.kind === 'frame' ? 'frame' : o.reason))).toEqual([
      'frame',
      'the start of the frame was lost',
      'the end of the frame was lost',
      'waiting for a keyframe',
    ]);
  });

  it('ignores late duplicates and survives the sequence number wrapping at 65535', () => {
    const a = new FrameAssembler('vp8');
    const stream = vp8Stream(3, { startSeq: 65530 });
    const packets = stream.flatMap((f) => f.packets);
    const duplicate = { ...stream[0].packets[1] };
    const out = feed(a, [...stream[0].packets, duplicate, ...stream[1].packets, ...stream[2].packets]);
    expect(out.map((o) => o.kind)).toEqual(['frame', 'frame', 'frame']);
    expect(packets.some((p) => p.sequenceNumber === 0)).toBe(true);
    expect(a.counters.lostPackets).toBe(0);
  });

  it('refuses a malformed payload and a frame over the size limit, then recovers at a keyframe', () => {
    const a = new FrameAssembler('vp8', { maxFrameBytes: 20_000 });
    const stream = vp8Stream(2);
    const huge = vp8Packets(vp8Frame(true, 30_000), stream[1].packets.at(-1)!.sequenceNumber + 1, 6000, 5002);
    const garbage: RtpVideoPacket = { sequenceNumber: huge.at(-1)!.sequenceNumber + 1, timestamp: 9000, marker: true, payload: Buffer.from([0x90]) };
    const good = vp8Packets(vp8Frame(true, 8000), garbage.sequenceNumber + 1, 12000, 5004);
    const out = feed(a, [...stream[0].packets, ...stream[1].packets, ...huge, garbage, ...good]);
    expect(out.map((o) => (o.kind === 'frame' ? 'frame' : o.reason))).toEqual(['frame', 'frame', 'a frame over 20000 bytes', 'malformed RTP payload: VP8 descriptor cut short', 'frame']);
  });

  it('parses the descriptor variants (7-bit picture id, TL0PICIDX, TID/KEYIDX)', () => {
    expect(parseVp8Payload(Buffer.from([0x90, 0x80, 0x05, 0x30, 1, 2])).pictureId).toBe(5);
    const withLayers = parseVp8Payload(Buffer.from([0x90, 0xe0, 0x81, 0x02, 0x07, 0x40, 0x30, 1, 2]));
    expect(withLayers).toMatchObject({ pictureId: 0x102, pictureIdBits: 15, startsFrame: true });
    expect([...withLayers.data]).toEqual([0x30, 1, 2]);
    expect(parseVp8Payload(Buffer.from([0x10, 0x30, 1, 2])).data.length).toBe(3);
  });
});

// ---- H.264 ----------------------------------------------------------------------------------

const SPS = Buffer.from([0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9]);
const PPS = Buffer.from([0x68, 0xeb, 0xe3, 0xcb]);
const START = Buffer.from([0, 0, 0, 1]);

function stapA(nals: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([24]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
}

/** An access unit as OBS/libwebrtc packetize it: parameter sets in a STAP-A, big slices as FU-A. */
function h264Packets(nals: Buffer[], seq: number, timestamp: number, { inBandSets = true } = {}): RtpVideoPacket[] {
  const payloads = [...(inBandSets ? [stapA([SPS, PPS])] : []), ...packetizeH264(nals, 1100)];
  return payloads.map((payload, i) => ({ sequenceNumber: (seq + i) & 0xffff, timestamp, marker: i === payloads.length - 1, payload }));
}

const idr = (bytes: number) => Buffer.concat([Buffer.from([0x65]), Buffer.alloc(bytes, 0x11)]);
const slice = (bytes: number) => Buffer.concat([Buffer.from([0x41]), Buffer.alloc(bytes, 0x22)]);

describe('FrameAssembler: H.264', () => {
  it('joins STAP-A parameter sets and an FU-A IDR into one Annex-B access unit', () => {
    const a = new FrameAssembler('h264');
    const nal = idr(9000);
    const packets = h264Packets([nal], 10, 0);
    const out = feed(a, packets);
    expect(out).toEqual([{ kind: 'frame', data: Buffer.concat([START, SPS, START, PPS, START, nal]), keyframe: true, rtpTimestamp: 0 }]);
    const next = feed(a, h264Packets([slice(2500)], 10 + packets.length, 3000, { inBandSets: false }));
    expect(next).toMatchObject([{ kind: 'frame', keyframe: false }]);
  });

  it('puts the SDP’s sprop-parameter-sets before an IDR that comes without them', () => {
    const sets = spropParameterSets(`packetization-mode=1;profile-level-id=64001f;sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`);
    expect(sets).toEqual(Buffer.concat([START, SPS, START, PPS]));
    const withSdp = new FrameAssembler('h264', { parameterSets: sets });
    const nal = idr(3000);
    expect(feed(withSdp, h264Packets([nal], 1, 0, { inBandSets: false }))).toMatchObject([{ kind: 'frame', keyframe: true, data: Buffer.concat([sets!, START, nal]) }]);
    const without = new FrameAssembler('h264');
    expect(feed(without, h264Packets([nal], 1, 0, { inBandSets: false }))).toMatchObject([{ kind: 'dropped', reason: 'an IDR frame without SPS/PPS (in band or in the SDP)' }]);
  });

  it('drops an access unit with a lost FU-A fragment and waits for the next IDR', () => {
    const a = new FrameAssembler('h264');
    const first = h264Packets([idr(5000)], 100, 0);
    const second = h264Packets([slice(5000)], 100 + first.length, 3000, { inBandSets: false });
    const third = h264Packets([slice(800)], 100 + first.length + second.length, 6000, { inBandSets: false });
    const fourth = h264Packets([idr(4000)], 100 + first.length + second.length + third.length, 9000);
    const out = feed(a, [...first, ...second.filter((_, i) => i !== 2), ...third, ...fourth]);
    expect(out.map((o) => (o.kind === 'frame' ? (o.keyframe ? 'key' : 'delta') : o.reason))).toEqual([
      'key',
      'a packet of the frame was lost',
      'waiting for a keyframe',
      'key',
    ]);
  });

  it('refuses units of other packetization modes with a reason', () => {
    const a = new FrameAssembler('h264');
    const out = a.push({ sequenceNumber: 1, timestamp: 0, marker: true, payload: Buffer.from([25, 0, 1, 2]) });
    expect(out).toMatchObject([{ kind: 'dropped', reason: 'malformed RTP payload: H.264 RTP unit type 25 is not part of packetization-mode 1' }]);
  });

});

describe('FrameAssembler: the picture size a stream announces', () => {
  // SPSs from x264 (ffmpeg -c:v libx264 -profile:v …, one frame of the size named).
  const REAL_SPS: Record<string, string> = {
    '640x360 baseline': '6742c01eda0280bfe5c044000003000400000300f03c58ba80',
    '1280x720 main-level': '6742c01fda014016ec0440000003004000000f03c60ca8',
    '1280x720 high, JVT scaling lists': '6764001facd9405005bb0110000003001000000303c0f1831960',
    '1920x1080 high (cropped from 1088)': '67640028acd940780227e5c044000003000400000300f03c60c658',
    '7680x4320 high': '6764003cacd9401e000876c044000003000400000300f03c20106580',
  };

  it('reads the picture size from real SPSs (baseline and high, scaling lists, cropping)', () => {
    const sizes = Object.entries(REAL_SPS).map(([name, hex]) => [name, h264SpsSize(Buffer.from(hex, 'hex'))]);
    expect(Object.fromEntries(sizes)).toEqual({
      '640x360 baseline': { width: 640, height: 360 },
      '1280x720 main-level': { width: 1280, height: 720 },
      '1280x720 high, JVT scaling lists': { width: 1280, height: 720 },
      '1920x1080 high (cropped from 1088)': { width: 1920, height: 1080 },
      '7680x4320 high': { width: 7680, height: 4320 },
    });
    expect(() => h264SpsSize(Buffer.from([0x67, 0x64]))).toThrow('SPS cut short');
  });

  it('refuses an IDR whose SPS announces 8K with what to do, and takes the 1080p one after it', () => {
    const a = new FrameAssembler('h264');
    const sets = (hex: string) => stapA([Buffer.from(hex, 'hex'), PPS]);
    const packets = (spsHex: string, seq: number, timestamp: number): RtpVideoPacket[] => {
      const payloads = [sets(spsHex), ...packetizeH264([idr(4000)], 1100)];
      return payloads.map((payload, i) => ({ sequenceNumber: seq + i, timestamp, marker: i === payloads.length - 1, payload }));
    };
    const eightK = packets(REAL_SPS['7680x4320 high'], 1, 0);
    expect(feed(a, eightK)).toMatchObject([
      { kind: 'dropped', reason: "the picture is 7680×4320: at most 3840×2160 is taken (lower the camera's resolution)" },
    ]);
    expect(feed(a, packets(REAL_SPS['1920x1080 high (cropped from 1088)'], 1 + eightK.length, 3000))).toMatchObject([
      { kind: 'frame', keyframe: true, size: { width: 1920, height: 1080 } },
    ]);
  });

  it('refuses a VP8 keyframe announcing more than 4K, by area or by side', () => {
    for (const [width, height] of [[7680, 4320], [8000, 200]]) {
      const a = new FrameAssembler('vp8');
      const out = feed(a, vp8Packets(vp8Frame(true, 3000, width, height), 1, 0, 1));
      expect(out).toMatchObject([{ kind: 'dropped', reason: `the picture is ${width}×${height}: at most 3840×2160 is taken (lower the camera's resolution)` }]);
    }
    expect(feed(new FrameAssembler('vp8'), vp8Packets(vp8Frame(true, 3000, 2160, 3840), 1, 0, 1))).toMatchObject([{ kind: 'frame', size: { width: 2160, height: 3840 } }]);
  });
});
