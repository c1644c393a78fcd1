/**
 * Many WHIP guests from one Node process, for bench/guests.ts: each replays a pre-encoded VP8 clip
 * (keyframe every second) and an Opus clip as RTP through its own werift peer, so a guest costs
 * the machine almost nothing but packet sending — the engine's side is what is measured.
 *
 *   npx tsx bench/lib/guestPublisher.ts '<json: {clipIvf, clipOgg, guests: [{whipUrl, token}]}>'
 *
 * Prints "ready N" when every guest is connected; runs until killed.
 */
import { readFileSync } from 'node:fs';
import { RtpHeader, RtpPacket } from 'werift';
import { OggPacketReader } from '../../electron/engine/webrtc/bitstream.ts';
import { gathered, OPUS, RTCPeerConnection, VP8 } from '../../electron/engine/webrtc/peers.ts';

interface Config {
  clipIvf: string;
  clipOgg: string;
  guests: { whipUrl: string; token: string }[];
}

const config = JSON.parse(process.argv[2]) as Config;
const MTU = 1100;

/** The clip's frames as VP8 RTP payloads (descriptor with a 15-bit picture id), packetized once. */
function vp8Payloads(file: string): Buffer[][] {
  const ivf = readFileSync(file);
  const frames: Buffer[][] = [];
  let offset = ivf.readUInt16LE(6);
  while (offset + 12 <= ivf.length) {
    const size = ivf.readUInt32LE(offset);
    const frame = ivf.subarray(offset + 12, offset + 12 + size);
    offset += 12 + size;
    const pictureId = frames.length & 0x7fff;
    const payloads: Buffer[] = [];
    for (let at = 0; at < frame.length; at += MTU) {
      const descriptor = Buffer.from([0x80 | (at === 0 ? 0x10 : 0), 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff]);
      payloads.push(Buffer.concat([descriptor, frame.subarray(at, at + MTU)]));
    }
    frames.push(payloads);
  }
  return frames;
}

function opusPackets(file: string): Buffer[] {
  const packets = new OggPacketReader().push(readFileSync(file));
  return packets.slice(2); // OpusHead, OpusTags
}

const video = vp8Payloads(config.clipIvf);
const audio = opusPackets(config.clipOgg);

interface Publisher {
  pc: RTCPeerConnection;
  videoSeq: number;
  audioSeq: number;
  frame: number;
  audioPacket: number;
}

async function publish(guest: Config['guests'][number]): Promise<Publisher> {
  const pc = new RTCPeerConnection({ codecs: { video: [VP8()], audio: [OPUS()] }, iceAdditionalHostAddresses: ['127.0.0.1'] });
  pc.addTransceiver('video', { direction: 'sendonly' });
  pc.addTransceiver('audio', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch(guest.whipUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${guest.token}` },
    body: pc.localDescription?.sdp,
  });
  if (response.status !== 201) throw new Error(`WHIP ${response.status}: ${await response.text()}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection after 15 s')), 15_000);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { pc, videoSeq: Math.floor(Math.random() * 60000), audioSeq: 0, frame: 0, audioPacket: 0 };
}

const publishers: Publisher[] = [];
for (const guest of config.guests) publishers.push(await publish(guest));
process.stdout.write(`ready ${publishers.length}\n`);

const [videoSender, audioSender] = [0, 1];
function send(p: Publisher, which: number, payload: Buffer, seq: number, timestamp: number, marker: boolean): void {
  const header = new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: timestamp >>> 0, marker, payloadType: which === videoSender ? 96 : 111 });
  void p.pc.getTransceivers()[which].sender.sendRtp(new RtpPacket(header, payload));
}

// One timer for every guest at each rate: 30 video frames and 50 Opus packets a second.
const startedAt = performance.now();
setInterval(() => {
  const due = Math.floor(((performance.now() - startedAt) * 30) / 1000);
  for (const p of publishers) {
    while (p.frame <= due) {
      const payloads = video[p.frame % video.length];
      payloads.forEach((payload, i) => send(p, videoSender, payload, p.videoSeq++, p.frame * 3000, i === payloads.length - 1));
      p.frame++;
    }
  }
}, 10);
setInterval(() => {
  const due = Math.floor((performance.now() - startedAt) / 20);
  for (const p of publishers) {
    while (p.audioPacket <= due) {
      send(p, audioSender, audio[p.audioPacket % audio.length], p.audioSeq++, p.audioPacket * 960, false);
      p.audioPacket++;
    }
  }
}, 10);
