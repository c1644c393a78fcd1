/**
 * How the engine's werift peers are made: ICE settings from the show (STUN/TURN, UDP port range,
 * loopback host candidates), the codecs each role accepts, and the offer/answer steps every WHIP
 * and WHEP exchange shares (answer with all candidates in it: no trickle).
 */
import {
  useAbsSendTime as absSendTimeExtension,
  type PeerConfig,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  useSdesMid as sdesMidExtension,
} from 'werift';
import type { WebRtcSettings } from '../../../shared/show.ts';

const videoFeedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];

export const VP8 = () => new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96, rtcpFeedback: videoFeedback });
export const H264 = (profileLevelId = '42e01f', payloadType = 102) =>
  new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90_000,
    payloadType,
    rtcpFeedback: videoFeedback,
    parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId}`,
  });
export const OPUS = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111, parameters: 'minptime=10;useinbandfec=1' });

export function peerConfig(settings: WebRtcSettings, video: RTCRtpCodecParameters[]): Partial<PeerConfig> {
  return {
    codecs: { video, audio: [OPUS()] },
    headerExtensions: { video: [sdesMidExtension(), absSendTimeExtension()], audio: [sdesMidExtension()] },
    iceServers: settings.iceServers.map((s) => ({ urls: Array.isArray(s.urls) ? s.urls[0] : s.urls, username: s.username, credential: s.credential })),
    // Loopback host candidates: a guest on the same machine (and every test) connects without STUN.
    iceAdditionalHostAddresses: ['127.0.0.1'],
    ...(settings.udpPortRange ? { icePortRange: settings.udpPortRange } : {}),
    bundlePolicy: 'max-bundle',
  };
}

/** Resolves when the local description holds every candidate (or after `timeoutMs`). */
export async function gathered(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    }
  });
}

/** Answers an offer, waiting for every candidate; returns the answer SDP. */
export async function answerOffer(pc: RTCPeerConnection, offer: string, prepare?: (transceivers: RTCRtpTransceiver[]) => void): Promise<string> {
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  prepare?.(pc.getTransceivers());
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await gathered(pc);
  return pc.localDescription?.sdp ?? answer.sdp;
}

export { RTCPeerConnection };
