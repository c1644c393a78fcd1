/**
 * The SDP work a WHIP/WHEP endpoint needs before and after werift sees a description: check that an
 * offer is sane (size, shape), list its codecs, keep only the payload types we accept (werift
 * negotiates by MIME type alone, so an H.264 profile we cannot send must be removed up front), cap
 * the bitrate a publisher may send (b=AS / b=TIAS), and add candidates for advertised addresses
 * (a public IP behind port forwarding). Pure string work: no I/O.
 */

/** Above this an offer is refused with 413; real offers are 3–8 KB. */
export const MAX_SDP_BYTES = 64 * 1024;

export interface SdpCodec {
  kind: 'audio' | 'video' | string;
  payloadType: number;
  /** e.g. "VP8", "H264", "opus", "rtx" */
  name: string;
  clockRate: number;
  fmtp: string;
}

export class SdpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SdpError';
  }
}

interface Section {
  lines: string[];
}

function split(sdp: string): { session: string[]; media: Section[] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: Section[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push({ lines: [line] });
    else if (media.length) media[media.length - 1].lines.push(line);
    else session.push(line);
  }
  return { session, media };
}

function join(session: string[], media: Section[]): string {
  return `${[...session, ...media.flatMap((m) => m.lines)].join('\r\n')}\r\n`;
}

function kindOf(section: Section): string {
  return section.lines[0].slice(2).split(' ')[0];
}

/** Throws SdpError(400/413) unless `body` looks like a usable SDP offer. */
export function checkOffer(body: string): void {
  if (Buffer.byteLength(body) > MAX_SDP_BYTES) throw new SdpError(413, `the SDP offer is larger than ${MAX_SDP_BYTES} bytes`);
  if (!/^v=0\r?\n/.test(body)) throw new SdpError(400, 'the body is not an SDP offer (it must start with "v=0")');
  const { media } = split(body);
  if (media.length === 0) throw new SdpError(400, 'the SDP offer has no media sections (m= lines)');
  if (media.length > 8) throw new SdpError(400, 'the SDP offer has too many media sections (at most 8)');
  for (const section of media) {
    if (!/^m=\w+ \d+ [\w/]+( \d+)*$/.test(section.lines[0])) throw new SdpError(400, `malformed media line: ${section.lines[0].slice(0, 80)}`);
    if (!section.lines.some((l) => l.startsWith('a=ice-ufrag:')) && !/a=ice-ufrag:/.test(body)) throw new SdpError(400, 'the SDP offer has no ICE credentials (a=ice-ufrag)');
    if (!section.lines.some((l) => l.startsWith('a=fingerprint:')) && !/a=fingerprint:/.test(body)) throw new SdpError(400, 'the SDP offer has no DTLS fingerprint');
  }
}

export function listCodecs(sdp: string): SdpCodec[] {
  const out: SdpCodec[] = [];
  for (const section of split(sdp).media) {
    const kind = kindOf(section);
    const fmtp = new Map<number, string>();
    for (const line of section.lines) {
      const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (m) fmtp.set(Number(m[1]), m[2]);
    }
    for (const line of section.lines) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(line);
      if (m) out.push({ kind, payloadType: Number(m[1]), name: m[2], clockRate: Number(m[3]), fmtp: fmtp.get(Number(m[1])) ?? '' });
    }
  }
  return out;
}

export function fmtpValue(fmtp: string, key: string): string | undefined {
  for (const part of fmtp.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === key) return v;
  }
  return undefined;
}

/**
 * Keeps, per media kind, only the payload types `accept` allows (and RTX entries pointing at them).
 * Sections left without any codec are kept as they are (werift rejects them with its own error).
 */
export function filterCodecs(sdp: string, accept: (codec: SdpCodec) => boolean): string {
  const { session, media } = split(sdp);
  const codecs = listCodecs(sdp);
  for (const section of media) {
    const kind = kindOf(section);
    const mine = codecs.filter((c) => c.kind === kind);
    const kept = new Set(mine.filter((c) => c.name.toLowerCase() !== 'rtx' && accept(c)).map((c) => c.payloadType));
    if (kept.size === 0) continue;
    const [head, ...rest] = section.lines;
    const parts = head.split(' ');
    const order = parts.slice(3).map(Number).filter((pt) => kept.has(pt));
    section.lines = [
      [...parts.slice(0, 3), ...order].join(' '),
      ...rest.filter((line) => {
        const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(line);
        return !m || kept.has(Number(m[1]));
      }),
    ];
  }
  return join(session, media);
}

/** Adds `b=AS` (kbps) and `b=TIAS` (bps) to every section of `kind` (browsers obey it when sending). */
export function capBitrate(sdp: string, kind: 'audio' | 'video', kbps: number): string {
  const { session, media } = split(sdp);
  for (const section of media) {
    if (kindOf(section) !== kind) continue;
    section.lines = section.lines.filter((l) => !l.startsWith('b='));
    const at = section.lines.findIndex((l) => l.startsWith('c=')) + 1 || 1;
    section.lines.splice(at, 0, `b=AS:${kbps}`, `b=TIAS:${kbps * 1000}`);
  }
  return join(session, media);
}

/**
 * Tells a Chromium-based sender where to start its bandwidth estimate (`x-google-start-bitrate`
 * on every video codec's fmtp, kbps). Chromium otherwise starts at 300 kb/s and picks a small
 * picture for it (640x360 of a 720p camera) that it keeps long after the bandwidth is there.
 * Other browsers ignore the parameter.
 */
export function setStartBitrate(sdp: string, kbps: number): string {
  const { session, media } = split(sdp);
  const param = `x-google-start-bitrate=${Math.round(kbps)}`;
  for (const section of media) {
    if (kindOf(section) !== 'video') continue;
    const payloadTypes = section.lines[0].split(' ').slice(3);
    const rtx = new Set(section.lines.flatMap((l) => /^a=rtpmap:(\d+) rtx\//i.exec(l)?.[1] ?? []));
    const lines: string[] = [];
    for (const line of section.lines) {
      const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
      lines.push(fmtp && !rtx.has(fmtp[1]) ? `a=fmtp:${fmtp[1]} ${fmtp[2].replace(/;?x-google-start-bitrate=\d+/, '')};${param}` : line);
    }
    for (const pt of payloadTypes) {
      if (rtx.has(pt) || lines.some((l) => l.startsWith(`a=fmtp:${pt} `))) continue;
      const at = lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `));
      if (at >= 0) lines.splice(at + 1, 0, `a=fmtp:${pt} ${param}`);
    }
    section.lines = lines;
  }
  return join(session, media);
}

/**
 * For each host candidate, adds one with the same port at each advertised address (a public IP
 * forwarded to this machine, or a LAN address werift did not pick). Priorities are lowered a
 * little so a direct path still wins where both work.
 */
export function advertiseAddresses(sdp: string, addresses: readonly string[]): string {
  if (addresses.length === 0) return sdp;
  const { session, media } = split(sdp);
  let foundation = 900;
  for (const section of media) {
    const extra: string[] = [];
    for (const line of section.lines) {
      const m = /^a=candidate:(\S+) (\d) (udp|tcp) (\d+) (\S+) (\d+) typ host(.*)$/i.exec(line);
      if (!m) continue;
      for (const address of addresses) {
        if (address === m[5]) continue;
        extra.push(`a=candidate:${foundation++} ${m[2]} ${m[3]} ${Math.max(1, Number(m[4]) - 1000)} ${address} ${m[6]} typ host${m[7]}`);
      }
    }
    const at = section.lines.findIndex((l) => l.startsWith('a=end-of-candidates'));
    if (at >= 0) section.lines.splice(at, 0, ...extra);
    else section.lines.push(...extra);
  }
  return join(session, media);
}

/** Codecs a guest may publish, as a sentence for error messages (docs/WEBRTC.md says the same). */
export const ACCEPTED_INGEST_CODECS =
  'video: VP8, or H264 with packetization-mode=1 in the Constrained Baseline/Baseline (profile-level-id 42xxxx), Main (4dxxxx) or High (64xxxx) profile, without B-frames; audio: Opus';

/** H.264 profiles the ingest decodes: baseline (0x42), main (0x4d), high (0x64). */
const INGEST_H264_PROFILES = new Set([0x42, 0x4d, 0x64]);

export function isAcceptedIngestCodec(codec: SdpCodec): boolean {
  const name = codec.name.toUpperCase();
  if (codec.kind === 'video') {
    if (name === 'VP8') return true;
    if (name !== 'H264' || (fmtpValue(codec.fmtp, 'packetization-mode') ?? '0') !== '1') return false;
    // No profile-level-id means Constrained Baseline level 1 (RFC 6184 §8.1).
    return INGEST_H264_PROFILES.has(h264ProfileIdc(codec.fmtp) ?? 0x42);
  }
  if (codec.kind === 'audio') return name === 'OPUS';
  return false;
}

/** The media kinds of an offer that have codecs, but none the ingest takes (each is a 406). */
export function refusedIngestKinds(codecs: readonly SdpCodec[]): string[] {
  const kinds = [...new Set(codecs.filter((c) => c.kind === 'video' || c.kind === 'audio').map((c) => c.kind))];
  return kinds.filter((kind) => !codecs.some((c) => c.kind === kind && c.name.toLowerCase() !== 'rtx' && isAcceptedIngestCodec(c)));
}

/** H.264 profile_idc of an fmtp line's profile-level-id (0x42 baseline, 0x4d main, 0x64 high). */
export function h264ProfileIdc(fmtp: string): number | undefined {
  const id = fmtpValue(fmtp, 'profile-level-id');
  return id && /^[0-9a-f]{6}$/i.test(id) ? Number.parseInt(id.slice(0, 2), 16) : undefined;
}
