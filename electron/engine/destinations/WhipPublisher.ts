/**
 * A WHIP publish (RFC 9725) of RTP that an ffmpeg produces: binds two loopback UDP ports that the
 * destination's ffmpeg sends H.264 and Opus RTP to, offers a sendonly WebRTC session (werift) to the
 * WHIP endpoint (POST application/sdp, `Authorization: Bearer` when a token is given, 201 Created +
 * Location + answer), forwards the RTP into the peer connection (werift rewrites SSRC, payload type
 * and sequence numbers and answers NACKs from its cache), and ends the session with DELETE on close.
 *
 * It knows nothing about the program: Destination owns the ffmpeg and the queue.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCIceServer,
} from 'werift';
import { TypedEmitter } from '../TypedEmitter.ts';

export interface WhipPublisherOptions {
  url: string;
  token?: string;
  iceServers?: { urls: string; username?: string; credential?: string }[];
  /** The H.264 profile-level-id to offer: constrained baseline 3.1 (42e01f) or high (640c1f...). */
  h264ProfileLevelId: string;
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A WHIP request the server answered with an error; `status` 401/403 means: fix the token. */
export class WhipError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WhipError';
  }
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

interface Events {
  /** The peer connection failed or closed after it was up. */
  closed: string;
  /** The far end asked for a keyframe (RTCP PLI). */
  keyframeRequest: undefined;
}

export const H264_CONSTRAINED_BASELINE = '42e01f';

function isRtcp(packet: Buffer): boolean {
  // RTCP packet types 192-223 sit where an RTP marker bit + payload type would; our RTP uses
  // payload types 96 and 111, so (byte1 & 0x7f) never falls in 64-95 for RTP.
  return packet.length >= 2 && packet[1] >= 192 && packet[1] <= 223;
}

async function bindLoopback(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  // ffmpeg sends bursts of a whole keyframe at once.
  try {
    socket.setRecvBufferSize(4 << 20);
  } catch {
    // Not allowed above the system maximum; the default still works at moderate bitrates.
  }
  return socket;
}

export class WhipPublisher extends TypedEmitter<Events> {
  private pc: RTCPeerConnection | undefined;
  private videoSocket: Socket | undefined;
  private audioSocket: Socket | undefined;
  private resourceUrl: string | undefined;
  private closing = false;
  keyframeRequests = 0;
  rtpPacketsOut = 0;

  constructor(private readonly options: WhipPublisherOptions) {
    super();
  }

  get videoPort(): number {
    return this.videoSocket?.address().port ?? 0;
  }
  get audioPort(): number {
    return this.audioSocket?.address().port ?? 0;
  }
  /** The session URL from the Location header (for logs; carries no secret by itself). */
  get resource(): string | undefined {
    return this.resourceUrl;
  }

  /** POSTs the offer and waits until media can flow. Throws WhipError with a user-facing message. */
  async open(): Promise<void> {
    const o = this.options;
    this.videoSocket = await bindLoopback();
    this.audioSocket = await bindLoopback();
    const host = new URL(o.url).hostname;
    const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
    const pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90_000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
            parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${o.h264ProfileLevelId}`,
          }),
        ],
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 })],
      },
      iceServers: (o.iceServers ?? []) as RTCIceServer[],
      ...(loopback ? { iceAdditionalHostAddresses: ['127.0.0.1'] } : {}),
    });
    this.pc = pc;
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const videoTx = pc.addTransceiver(video, { direction: 'sendonly' });
    pc.addTransceiver(audio, { direction: 'sendonly' });
    videoTx.sender.onPictureLossIndication.subscribe(() => {
      this.keyframeRequests++;
      this.emit('keyframeRequest', undefined);
    });
    const forward = (socket: Socket, track: MediaStreamTrack) =>
      socket.on('message', (packet: Buffer) => {
        if (isRtcp(packet)) return;
        this.rtpPacketsOut++;
        track.writeRtp(packet);
      });
    forward(this.videoSocket, video);
    forward(this.audioSocket, audio);

    await pc.setLocalDescription(await pc.createOffer());
    // Non-trickle WHIP: send the offer with every candidate in it.
    if (pc.iceGatheringState !== 'complete')
      await Promise.race([
        new Promise<void>((r) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r())),
        new Promise<void>((r) => setTimeout(r, 5000)),
      ]);
    const offer = pc.localDescription?.sdp ?? '';

    let response: Response;
    try {
      response = await fetch(o.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}) },
        body: offer,
        signal: AbortSignal.timeout(o.connectTimeoutMs ?? 10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new WhipError(
        cause === 'ECONNREFUSED'
          ? 'nothing accepts connections at the WHIP URL (connection refused): check the URL and that the server is up'
          : `the WHIP endpoint could not be reached (${cause ?? (error as Error).message})`,
      );
    }
    if (response.status === 401 || response.status === 403)
      throw new WhipError(`the WHIP endpoint refused the publish (HTTP ${response.status}): check the token`, response.status);
    if (response.status !== 201 && response.status !== 200)
      throw new WhipError(`the WHIP endpoint answered HTTP ${response.status} instead of 201 Created${response.status === 404 ? ': check the URL' : ''}`, response.status);
    const location = response.headers.get('location');
    if (location) this.resourceUrl = new URL(location, o.url).toString();
    else o.log?.('WHIP: the endpoint sent no Location header; the session cannot be ended with DELETE');
    const answer = await response.text();
    if (!/^v=0/m.test(answer)) throw new WhipError('the WHIP endpoint did not answer with an SDP');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WhipError('the WebRTC connection to the WHIP endpoint did not come up in 10 s (ICE/DTLS): check firewalls or add a TURN server')), o.connectTimeoutMs ?? 10_000);
      const check = (state: string) => {
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (state === 'failed' || state === 'closed') {
          clearTimeout(timer);
          reject(new WhipError(`the WebRTC connection to the WHIP endpoint ${state}`));
        }
      };
      pc.connectionStateChange.subscribe(check);
      check(pc.connectionState);
    });
    pc.connectionStateChange.subscribe((state) => {
      if (!this.closing && (state === 'failed' || state === 'closed' || state === 'disconnected'))
        this.emit('closed', `the WebRTC connection ${state}`);
    });
  }

  /** Ends the session: DELETE the resource, close the peer connection and the ports. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const resource = this.resourceUrl;
    if (resource) {
      try {
        await fetch(resource, {
          method: 'DELETE',
          headers: this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {},
          signal: AbortSignal.timeout(3000),
        });
      } catch (error) {
        this.options.log?.(`WHIP: DELETE of the session failed (${(error as Error).message})`);
      }
    }
    try {
      await this.pc?.close();
    } catch {
      // Already closed.
    }
    this.videoSocket?.close();
    this.audioSocket?.close();
  }
}
