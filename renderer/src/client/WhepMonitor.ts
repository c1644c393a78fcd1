/**
 * Live monitor video over WHEP (RFC 9725 style: POST an SDP offer, get the answer and a session
 * URL, DELETE it to leave). Used for the program monitor when the engine serves `/whep/program`
 * (a show with `webrtc.programToken`); the engine's return encode is H.264 Constrained Baseline
 * with a keyframe every second, so the picture starts within about a second. Retries with growing
 * delays while the component wants it; `close()` ends the session.
 */
const RETRY_MS = [1000, 2000, 4000, 8000];

export class WhepMonitor {
  private pc: RTCPeerConnection | undefined;
  private location: string | undefined;
  private closed = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly token: string,
    private readonly onStream: (stream: MediaStream | null) => void,
    private readonly onError: (message: string) => void = () => {},
    /**
     * Ask for the audio too. The desk's monitors are muted, and a stream with audio makes Chromium
     * hold the video back for lip sync (program monitor p50 232 ms with audio, 73–109 ms without;
     * docs/UI.md), so they ask for video only.
     */
    private readonly withAudio = true,
  ) {
    void this.connect();
  }

  /**
   * Ends the session. `leave: false` skips the DELETE: for when the engine has already turned the
   * endpoint off (a show without the token was loaded), where it would only answer 404; the engine
   * drops the viewer itself once RTCP stops.
   */
  close({ leave = true }: { leave?: boolean } = {}): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (!leave) this.location = undefined;
    this.teardown();
  }

  private teardown(): void {
    this.pc?.close();
    this.pc = undefined;
    if (this.location) {
      const url = new URL(this.location, this.endpoint).toString();
      this.location = undefined;
      void fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${this.token}` } }).catch(() => {});
    }
    this.onStream(null);
  }

  private retry(message: string): void {
    this.teardown();
    if (this.closed) return;
    this.onError(message);
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)];
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const pc = new RTCPeerConnection();
    this.pc = pc;
    const stream = new MediaStream();
    pc.addTransceiver('video', { direction: 'recvonly' });
    if (this.withAudio) pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      if (pc === this.pc) this.onStream(stream);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') this.attempt = 0;
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.retry('The monitor connection dropped; reconnecting.');
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGathered(pc, 2000);
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${this.token}` },
        body: pc.localDescription?.sdp ?? '',
      });
      if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
      this.location = res.headers.get('location') ?? undefined;
      const answer = await res.text();
      if (pc !== this.pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (error) {
      if (pc === this.pc) this.retry(`The monitor could not connect: ${(error as Error).message}`);
    }
  }
}

/** The engine's answer carries its candidates; ours go in the offer (no trickle). */
function iceGathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/**
 * Where the engine's WHEP endpoints are: the page's origin (the engine serves the UI), or the
 * `?engine=host:port` it was pointed at. The desktop app has no HTTP server for the engine yet, so
 * there is none there (the monitors keep their placeholders).
 */
export function engineHttpBase(location: Pick<Location, 'protocol' | 'host' | 'search'>, desktop: boolean): string | undefined {
  if (desktop || (location.protocol !== 'http:' && location.protocol !== 'https:')) return undefined;
  const engine = new URLSearchParams(location.search).get('engine');
  return `${location.protocol}//${engine ?? location.host}`;
}
