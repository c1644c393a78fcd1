/**
 * A `whep` source: pulls a stream from an XDN, an SFU or another Cutline over WHEP (POST an SDP
 * offer, get the answer, DELETE the session URL to leave) and feeds it to the source's decoder
 * through an RtpFeed. Reconnects by itself when the peer fails or media stops (1 s × 1.5ⁿ, cap
 * 15 s); an authentication refusal stops retrying and says so.
 */
import type { MediaStreamTrack } from 'werift';
import type { WebRtcSettings } from '../../../shared/show.ts';
import type { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { redactUrl } from '../redact.ts';
import type { PipeFeed } from '../sources/Source.ts';
import { gathered, H264, peerConfig, RTCPeerConnection, VP8 } from './peers.ts';
import { type FeedTracks, parameterSetsOf, RtpFeed, type VideoCodec } from './RtpFeed.ts';

const NO_MEDIA_MS = 5000;

export class WhepPull implements PipeFeed {
  readonly feed: RtpFeed;
  private pc: RTCPeerConnection | undefined;
  private sessionUrl: string | undefined;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private status = 'connecting';

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly settings: WebRtcSettings,
    private readonly log: (line: string) => void,
  ) {
    this.feed = new RtpFeed(`connecting to ${redactUrl(url)} over WHEP`);
    void this.connect();
  }

  inputArgs() {
    return this.feed.inputArgs();
  }
  attach(decoder: FfmpegProcess): void {
    this.feed.attach(decoder);
  }
  onInputChanged(callback: () => void): void {
    this.feed.onInputChanged(callback);
  }
  waitingFor(): string {
    return this.status;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.teardown();
    this.feed.close();
  }

  private teardown(): void {
    clearInterval(this.watchdog);
    this.feed.unbind();
    const pc = this.pc;
    this.pc = undefined;
    void pc?.close().catch(() => {});
    const sessionUrl = this.sessionUrl;
    this.sessionUrl = undefined;
    if (sessionUrl) void fetch(sessionUrl, { method: 'DELETE', headers: this.authHeaders() }).catch(() => {});
  }

  private authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.attempt++;
    // Offer what the decoder reads: VP8, H.264 High (a Cutline program) and Constrained Baseline.
    const pc = new RTCPeerConnection(peerConfig(this.settings, [VP8(), H264('640032', 103), H264('42e01f', 102)]));
    this.pc = pc;
    const video = pc.addTransceiver('video', { direction: 'recvonly' });
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    const remote: Partial<Record<string, MediaStreamTrack>> = {};
    pc.onTrack.subscribe((track) => {
      remote[track.kind] = track;
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', ...this.authHeaders() },
        body: pc.localDescription?.sdp,
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.text();
      if (response.status === 401 || response.status === 403) {
        this.status = `the WHEP server refused the token (HTTP ${response.status}); update the source's token`;
        this.log(`whep ${redactUrl(this.url)}: ${this.status}`);
        void pc.close();
        return;
      }
      if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
      const location = response.headers.get('location');
      if (location) this.sessionUrl = new URL(location, this.url).toString();
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      if (this.closed || this.pc !== pc) return void pc.close();
      const tracks: FeedTracks = {};
      const videoCodec = video.codecs[0]?.name.toLowerCase();
      if (videoCodec === 'vp8' || videoCodec === 'h264') tracks.video = { track: remote.video ?? video.receiver.track, receiver: video.receiver, codec: videoCodec as VideoCodec, ...parameterSetsOf(video.codecs[0]) };
      if (audio.codecs.length) tracks.audio = { track: remote.audio ?? audio.receiver.track };
      this.feed.bind(tracks);
      this.status = 'waiting for the first keyframe';
      const connectedAt = Date.now();
      this.watchdog = setInterval(() => {
        const state = pc.connectionState;
        const silentMs = Date.now() - Math.max(this.feed.stats.lastPacketAt, connectedAt);
        if (state === 'failed' || state === 'closed' || silentMs > NO_MEDIA_MS) this.retry(state === 'failed' || state === 'closed' ? `the connection ${state}` : 'no media for 5 s');
        else if (state === 'connected') this.attempt = 0;
      }, 500);
    } catch (error) {
      this.retry((error as Error).message);
    }
  }

  private retry(reason: string): void {
    if (this.closed) return;
    this.teardown();
    const delay = Math.min(15_000, 1000 * 1.5 ** Math.max(0, this.attempt - 1));
    this.status = `WHEP pull from ${redactUrl(this.url)} failed (${reason}); retrying in ${(delay / 1000).toFixed(1)} s`;
    this.log(`whep: ${this.status}`);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
