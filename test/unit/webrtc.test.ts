/**
 * The pure parts of WebRTC ingest and return: SDP checks and munging, bitstream framing for ffmpeg
 * pipes (IVF, Annex-B + AUD, Ogg Opus) and H.264 RTP packetization.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCESS_UNIT_DELIMITER,
  annexBAccessUnit,
  avccNals,
  ivfFrame,
  ivfHeader,
  OggOpusWriter,
  OggPacketReader,
  packetizeH264,
  splitAnnexB,
} from '../../electron/engine/webrtc/bitstream.ts';
import { advertiseAddresses, capBitrate, checkOffer, filterCodecs, isAcceptedIngestCodec, listCodecs, MAX_SDP_BYTES, SdpError } from '../../electron/engine/webrtc/sdp.ts';

const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 45',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=fingerprint:sha-256 AA:BB',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:45 AV1/90000',
  'a=candidate:1 1 udp 2130706431 192.168.1.5 50000 typ host',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

describe('SDP', () => {
  it('accepts a real-looking offer and refuses junk and huge bodies', () => {
    expect(() => checkOffer(OFFER)).not.toThrow();
    expect(() => checkOffer('hello')).toThrow(SdpError);
    const huge = `v=0\r\n${'a=x\r\n'.repeat(MAX_SDP_BYTES / 4)}`;
    try {
      checkOffer(huge);
      expect.unreachable();
    } catch (error) {
      expect((error as SdpError).status).toBe(413);
    }
  });

  it('keeps only accepted codecs (and drops the RTX of removed ones)', () => {
    const filtered = filterCodecs(OFFER, isAcceptedIngestCodec);
    expect(filtered).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\n');
    expect(filtered).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n');
    expect(listCodecs(filtered).map((c) => c.name)).toEqual(['VP8', 'H264', 'opus']);
  });

  it('caps video bitrate and advertises extra addresses on the host candidate port', () => {
    const capped = capBitrate(OFFER, 'video', 1500);
    expect(capped).toMatch(/c=IN IP4 0.0.0.0\r\nb=AS:1500\r\nb=TIAS:1500000/);
    const advertised = advertiseAddresses(OFFER, ['203.0.113.7']);
    expect(advertised).toMatch(/a=candidate:\d+ 1 udp \d+ 203\.0\.113\.7 50000 typ host/);
  });
});

describe('bitstream framing', () => {
  it('IVF header and frames carry size and millisecond timestamps', () => {
    expect(ivfHeader().toString('latin1', 0, 4)).toBe('DKIF');
    const frame = ivfFrame(Buffer.from([1, 2, 3]), 40);
    expect(frame.readUInt32LE(0)).toBe(3);
    expect(Number(frame.readBigUInt64LE(4))).toBe(40);
  });

  it('splits Annex-B into NAL units', () => {
    const idr = Buffer.from([0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65, 3]);
    expect(splitAnnexB(idr).map((n) => n[0] & 0x1f)).toEqual([7, 8, 5]);
  });

  it('ends every H.264 access unit with an AUD so ffmpeg does not hold it', () => {
    const au = annexBAccessUnit(Buffer.from([0, 0, 0, 1, 0x41, 9]));
    expect(au.subarray(-ACCESS_UNIT_DELIMITER.length)).toEqual(ACCESS_UNIT_DELIMITER);
  });

  it('packetizes big NAL units as FU-A and reassembles to the same bytes', () => {
    const nal = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 7)]);
    const small = Buffer.from([0x41, 1, 2]);
    const payloads = packetizeH264([nal, small], 1200);
    expect(payloads.at(-1)).toEqual(small);
    const fragments = payloads.slice(0, -1);
    expect(fragments.every((p) => (p[0] & 0x1f) === 28)).toBe(true);
    expect(fragments[0][1] & 0x80).toBe(0x80);
    expect(fragments.at(-1)![1] & 0x40).toBe(0x40);
    const rebuilt = Buffer.concat([Buffer.from([(fragments[0][0] & 0xe0) | (fragments[0][1] & 0x1f)]), ...fragments.map((p) => p.subarray(2))]);
    expect(rebuilt).toEqual(nal);
  });

  it('reads AVCC NAL units out of an FLV video tag', () => {
    const tag = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), Buffer.from([0, 0, 0, 2, 0x65, 1]), Buffer.from([0, 0, 0, 1, 0x06])]);
    expect(avccNals(tag).map((n) => [...n])).toEqual([[0x65, 1], [0x06]]);
  });

  it('Ogg Opus pages written by the writer read back as the same packets', () => {
    const writer = new OggOpusWriter();
    const packets = [Buffer.alloc(100, 1), Buffer.alloc(600, 2), Buffer.alloc(255, 3)];
    const stream = Buffer.concat([writer.headers(), ...packets.map((p, i) => writer.packet(p, 960 * (i + 1)))]);
    const reader = new OggPacketReader();
    const out = [...reader.push(stream.subarray(0, 50)), ...reader.push(stream.subarray(50))];
    expect(out).toEqual(packets);
    expect(stream.toString('latin1', 0, 4)).toBe('OggS');
  });
});
