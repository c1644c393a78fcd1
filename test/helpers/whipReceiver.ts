/**
 * A minimal WHIP endpoint (RFC 9725) for tests, on werift: POST /whip/<stream> with an SDP offer
 * (checking `Authorization: Bearer` when a token is set) → 201 Created + Location + answer;
 * DELETE on the Location ends the session. Received H.264 is depacketized and decoded by the
 * system ffmpeg, so the test counts frames a viewer would see; Opus packets are counted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpHeader } from 'werift';
import { DepacketizeBase, JitterBufferBase } from 'werift/nonstandard';
import { SYSTEM_FFMPEG } from './media.ts';
import { freePort } from './servers.ts';

export interface WhipSession {
  id: string;
  /** The offer's H.264 fmtp line (what the publisher proposed). */
  offer: string;
  authorization: string | undefined;
  videoPackets: number;
  audioPackets: number;
  audioCodec?: string;
  videoCodec?: string;
  keyframes: number;
  /** Frames the decoder produced. */
  decodedFrames: number;
  firstFrameAt?: number;
  /** When the first keyframe (with SPS) arrived: a viewer could start here. */
  firstKeyframeAt?: number;
  postedAt: number;
  deleted: boolean;
  /** Decoder (ffmpeg) complaints. */
  decoderErrors: string;
  /** RTP packets the jitter buffer gave up on. */
  packetsLost: number;
}

export interface WhipReceiver {
  url: (stream: string) => string;
  sessions: WhipSession[];
  posts: number;
  close(): Promise<void>;
}

/** Whether an Annex-B access unit has a NAL unit of this type (5 = IDR slice, 7 = SPS). */
function hasNal(au: Buffer, type: number): boolean {
  for (let i = 0; i + 3 < au.length; i++)
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1 && (au[i + 3] & 0x1f) === type) return true;
  return false;
}

const W = 32;
const H = 18;

export async function startWhipReceiver(options: { token?: string; sendPliEveryMs?: number } = {}): Promise<WhipReceiver> {
  const sessions: WhipSession[] = [];
  const peers = new Map<string, { pc: RTCPeerConnection; decoder: ChildProcess; timer?: NodeJS.Timeout }>();
  const state: WhipReceiver = { url: () => '', sessions, posts: 0, close: async () => {} };
  let nextId = 1;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '';
      if (req.method === 'DELETE' && path.startsWith('/resource/')) {
        const id = path.slice('/resource/'.length);
        const session = sessions.find((s) => s.id === id);
        const peer = peers.get(id);
        if (!session || !peer) return void res.writeHead(404).end();
        session.deleted = true;
        clearInterval(peer.timer);
        peer.decoder.stdin?.end();
        await peer.pc.close();
        return void res.writeHead(200).end();
      }
      if (req.method !== 'POST' || !path.startsWith('/whip/')) return void res.writeHead(404).end();
      state.posts++;
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return void res.writeHead(401).end('bad token');
      const offer = Buffer.concat(chunks).toString();
      const id = String(nextId++);
      const session: WhipSession = {
        id,
        offer: offer.split(/\r?\n/).filter((l) => /^a=fmtp:\d+ .*profile-level-id/.test(l)).join('\n'),
        authorization: req.headers.authorization,
        videoPackets: 0,
        audioPackets: 0,
        keyframes: 0,
        decodedFrames: 0,
        postedAt: Date.now(),
        deleted: false,
        decoderErrors: '',
        packetsLost: 0,
      };
      sessions.push(session);
      const pc = new RTCPeerConnection({
        codecs: {
          video: [
            new RTCRtpCodecParameters({
              mimeType: 'video/H264',
              clockRate: 90_000,
              rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
              parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
            }),
            // High, for a publisher that shares the program encode.
            new RTCRtpCodecParameters({
              mimeType: 'video/H264',
              clockRate: 90_000,
              rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
              parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f',
            }),
          ],
          audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 })],
        },
        iceAdditionalHostAddresses: ['127.0.0.1'],
      });
      const decoder = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-flags', 'low_delay', '-probesize', '32', '-analyzeduration', '0', '-f', 'h264', '-i', 'pipe:0', '-s', `${W}x${H}`, '-pix_fmt', 'gray', '-f', 'rawvideo', 'pipe:1']);
      let decodedBytes = 0;
      decoder.stdout?.on('data', (c: Buffer) => {
        decodedBytes += c.length;
        session.decodedFrames = Math.floor(decodedBytes / (W * H));
        session.firstFrameAt ??= Date.now();
      });
      decoder.stderr?.on('data', (c: Buffer) => (session.decoderErrors += c));
      decoder.stdin?.on('error', () => {});
      const peer: { pc: RTCPeerConnection; decoder: ChildProcess; timer?: NodeJS.Timeout } = { pc, decoder };
      peers.set(id, peer);
      pc.onTransceiverAdded.subscribe((transceiver) => {
        transceiver.onTrack.subscribe((track) => {
          if (track.kind === 'audio') {
            track.onReceiveRtp.subscribe(() => {
              session.audioPackets++;
              session.audioCodec ??= track.codec?.mimeType;
            });
            return;
          }
          // As a viewer would: a jitter buffer puts NACKed retransmissions back in order, then
          // the depacketizer makes access units (the marker bit ends one).
          let started = false;
          const jitter = new JitterBufferBase(90_000, { latency: 300 });
          const depacketizer = new DepacketizeBase('MPEG4/ISO/AVC', { isFinalPacketInSequence: (h: RtpHeader) => h.marker });
          track.onReceiveRtp.subscribe((rtp) => {
            session.videoPackets++;
            session.videoCodec ??= track.codec?.mimeType;
            for (const o of jitter.processInput({ rtp })) {
              if (o.isPacketLost) session.packetsLost += o.isPacketLost.to - o.isPacketLost.from + 1;
              for (const out of depacketizer.processInput(o)) onFrame(out.frame?.data);
            }
          });
          const onFrame = (au: Buffer | undefined) => {
            if (au) {
              const key = hasNal(au, 5);
              if (key) session.keyframes++;
              // A decoder starts at a keyframe with its parameter sets, as a viewer's would.
              if (!started && !(key && hasNal(au, 7))) return;
              started = true;
              session.firstKeyframeAt ??= Date.now();
              // An access unit delimiter before each frame (the parser then holds a frame until the
              // next one; the count is read after the session ends).
              decoder.stdin?.write(Buffer.concat([Buffer.from([0, 0, 0, 1, 0x09, 0xf0]), au]));
            }
          };
          if (options.sendPliEveryMs && track.ssrc !== undefined) {
            const ssrc = track.ssrc;
            peer.timer = setInterval(() => void transceiver.receiver.sendRtcpPLI(ssrc), options.sendPliEveryMs);
          }
        });
      });
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
        await pc.setLocalDescription(await pc.createAnswer());
        if (pc.iceGatheringState !== 'complete')
          await new Promise<void>((r) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r()));
        res.writeHead(201, { 'Content-Type': 'application/sdp', Location: `/resource/${id}` });
        res.end(pc.localDescription?.sdp);
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  state.url = (stream) => `http://127.0.0.1:${port}/whip/${stream}`;
  state.close = async () => {
    for (const peer of peers.values()) {
      clearInterval(peer.timer);
      peer.decoder.kill('SIGKILL');
      await peer.pc.close().catch(() => {});
    }
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
