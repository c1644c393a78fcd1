/**
 * A lossy network path made in user space (this kernel has no netem): a UDP relay on loopback
 * that a WebRTC peer is told is the engine's only ICE candidate. Datagrams from the peer are
 * forwarded to the engine's real port, with RTP/RTCP (RFC 7983: first byte 128–191) dropped,
 * delayed with jitter, and reordered on the way; STUN and DTLS pass unharmed so the call sets up.
 * The engine's replies go back untouched. A `blackout` drops everything for a while (a Wi-Fi
 * outage). Seeded, so a run can be repeated. Loopback only.
 */

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { seededRandom } from './seededRandom.ts';

export interface Impairment {
  /** Fraction of media datagrams dropped (0.02 = 2 %). */
  loss: number;
  /** Mean one-way delay and its uniform jitter, ms. */
  delayMs: number;
  jitterMs: number;
  /** Fraction of media datagrams held back an extra `reorderExtraMs` (they arrive after later ones). */
  reorder: number;
  reorderExtraMs?: number;
}

export interface RelayCounters {
  media: number;
  dropped: number;
  reordered: number;
  blackedOut: number;
}


export class LossyRelay {
  private readonly downstream: Socket = createSocket('udp4');
  private readonly upstream: Socket = createSocket('udp4');
  private peer: RemoteInfo | undefined;
  private blackoutUntil = 0;
  private readonly random: () => number;
  readonly counters: RelayCounters = { media: 0, dropped: 0, reordered: 0, blackedOut: 0 };
  impairment: Impairment;

  private constructor(
    private target: { host: string; port: number },
    impairment: Impairment,
    seed: number,
  ) {
    this.impairment = impairment;
    this.random = seededRandom(seed);
  }

  /** Starts a relay in front of the engine's media port `target`. */
  static async start(target: { host: string; port: number }, impairment: Impairment, seed = 1): Promise<LossyRelay> {
    const relay = new LossyRelay(target, impairment, seed);
    await new Promise<void>((r) => relay.downstream.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => relay.upstream.bind(0, '127.0.0.1', r));
    relay.downstream.on('message', (msg, from) => relay.fromPeer(msg, from));
    relay.upstream.on('message', (msg) => {
      if (relay.peer && Date.now() >= relay.blackoutUntil) relay.downstream.send(msg, relay.peer.port, relay.peer.address);
    });
    return relay;
  }

  get port(): number {
    return this.downstream.address().port;
  }

  /** Drops every datagram in both directions for `ms` (ICE and DTLS too). */
  blackout(ms: number): void {
    this.blackoutUntil = Date.now() + ms;
  }

  get blackedOut(): boolean {
    return Date.now() < this.blackoutUntil;
  }

  /** A new session of the same peer: its media goes to the engine's new port, on the same bad path. */
  retarget(port: number): void {
    this.target = { ...this.target, port };
  }

  private fromPeer(msg: Buffer, from: RemoteInfo): void {
    this.peer = from;
    if (Date.now() < this.blackoutUntil) {
      this.counters.blackedOut++;
      return;
    }
    const isMedia = msg.length > 0 && msg[0] >= 128 && msg[0] <= 191;
    if (!isMedia) return void this.upstream.send(msg, this.target.port, this.target.host);
    this.counters.media++;
    const { loss, delayMs, jitterMs, reorder, reorderExtraMs = 15 } = this.impairment;
    if (this.random() < loss) {
      this.counters.dropped++;
      return;
    }
    let delay = delayMs + (this.random() * 2 - 1) * jitterMs;
    if (this.random() < reorder) {
      delay += reorderExtraMs;
      this.counters.reordered++;
    }
    setTimeout(() => this.upstream.send(msg, this.target.port, this.target.host), Math.max(0, delay));
  }

  close(): void {
    this.downstream.close();
    this.upstream.close();
  }
}

/** The engine's loopback host candidate port in an SDP answer. */
export function loopbackCandidatePort(sdp: string): number | undefined {
  const m = /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/im.exec(sdp);
  return m ? Number(m[1]) : undefined;
}

/** The answer with one candidate only: the relay's. */
export function onlyCandidate(sdp: string, port: number): string {
  const lines = sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:'));
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    if (line.startsWith('m=')) out.push(`a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`);
  }
  return out.join('\r\n');
}

/** An offer without the browser's candidates, so the engine reaches it only through the relay. */
export function withoutCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:'))
    .join('\r\n');
}
