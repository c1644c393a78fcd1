/**
 * Remote guests and WHEP for one engine: guest invites (a slot, a token, a source), the HTTP
 * endpoints (WHIP ingest `POST /whip/<id>`, WHEP return `POST /whep/<id>` and `/whep/program`,
 * the guest page `/guest/<id>`, the viewer page `/viewer`, the views `GET /views` and
 * `POST /views/<id>/whep`), the peer sessions behind them, and the feeds of `guest` and `whep` sources. A session knows nothing of sources: the engine asks for a feed when it makes a
 * source, and the gateway binds a session's tracks to it.
 *
 * Lifecycle of a guest: invited (source waits) → publishing (source live) → gone silent (source
 * stalled, by the source's own health check) → left after `guestTimeoutS` without packets or when
 * ICE/DTLS fails, or on DELETE (source removed, slot free: the same link joins again).
 *
 * A guest has two ids: the source id the producer sees (`guest1`, or the one given to
 * guest.invite) and a public id, 96 random bits, that is the only one in the guest's URLs
 * (`/guest/<public id>`, `/whip/…`, `/whep/…`, `/guest/<public id>/status|name`): a stranger cannot
 * guess which guests exist or probe them, and the token still protects each of them.
 *
 * Limits (docs/SECURITY.md): one WHIP session per guest, also when offers arrive in parallel
 * (`joining`), and WebRTC sessions in all and per token (SessionBudget), beyond which a POST gets
 * 429 with Retry-After. These endpoints are the public surface: a proxy may forward them.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RTCPeerConnection } from 'werift';
import { sourcesIn } from '../../../shared/layout.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { MAIN_PROGRAM_ID, type SourceSpec, WebRtcSettings } from '../../../shared/show.ts';
import type { TimedDataRecord } from '../media/timedMetadata.ts';
import type { Program } from '../program/Program.ts';
import { sameSecret } from '../server/tokens.ts';
import type { PipeFeed } from '../sources/Source.ts';
import { GUEST_JS, guestPageHtml } from './guestPage.ts';
import { MONITORS_MIX, MonitorFeed } from './MonitorFeed.ts';
import { answerOffer, H264, RTCPeerConnection as PeerConnection, peerConfig, VP8 } from './peers.ts';
import { PROGRAM_MIX, ReturnFeed } from './ReturnFeed.ts';
import { type FeedStats, type FeedTracks, parameterSetsOf, RtpFeed, type VideoCodec } from './RtpFeed.ts';
import { SessionBudget, SessionLimitError } from './SessionBudget.ts';
import {
  ACCEPTED_INGEST_CODECS,
  advertiseAddresses,
  capBitrate,
  checkOffer,
  filterCodecs,
  fmtpValue,
  h264ProfileIdc,
  isAcceptedIngestCodec,
  listCodecs,
  MAX_SDP_BYTES,
  refusedIngestKinds,
  SdpError,
  setStartBitrate,
} from './sdp.ts';
import { ViewFeeds, type ViewInfo } from './ViewFeeds.ts';
import { VIEWER_JS, VIEWER_WORKER_JS, viewerPageHtml } from './viewerPage.ts';
import { WhepPull } from './WhepPull.ts';

export interface GatewayHost {
  ffmpegPath: string;
  settings(): WebRtcSettings | undefined;
  program(): Program;
  /** The running program by that id, if any (a view's feed follows it). */
  programById(id: string): Program | undefined;
  /** The views: programs marked public, main first. */
  views(): ViewInfo[];
  /** An objects token's view access (object.issueToken `views`), if the token is one. */
  viewAccess(token: string): { tokenId: string; views: 'all' | readonly string[] } | undefined;
  hasSource(id: string): boolean;
  /** True when the source by that id is a guest (a show loaded since may use the id for another kind). */
  isGuestSource(id: string): boolean;
  /**
   * A guest whose source the producer removed publishes again: add it back (like source.add).
   * Only for what the network starts; commands (guest.invite / guest.revoke) add and remove
   * guest sources themselves (commands/guests.ts).
   */
  addGuestSource(id: string, label: string): Promise<void>;
  /** A guest left (timed out, connection failed, over its bitrate): its source goes. */
  removeSource(id: string): Promise<void>;
  /** The guest chose the name they are shown by (source.update {label}). */
  renameSource(id: string, label: string): Promise<void>;
  log(line: string): void;
}

/** What a guest page polls: whether its picture is on program or preview now (a tally light). */
export interface GuestStatus {
  label: string;
  onProgram: boolean;
  onPreview: boolean;
}

/** A name a guest may give themselves: printable, 1–60 characters. */
export function guestName(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const name = input.replace(/\s+/g, ' ').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return name.length >= 1 && name.length <= 60 && !/[\u0000-\u001f\u007f<>]/.test(name) ? name : undefined;
}

export interface GuestInvite {
  id: string;
  guestPageUrl: string;
  whipUrl: string;
  token: string;
  returnWhepUrl: string;
}

interface Session {
  id: string;
  /** Whose token let it in (`guest:<id>`, `program`): the per-token session limit counts by it. */
  tokenKey: string;
  pc: RTCPeerConnection;
  createdAt: number;
  lastPacketAt: number;
  bytes: number;
  windowStart: number;
  overLimitWindows: number;
  closed: boolean;
  close(): void;
}

/** A WHEP viewer session: which mix it hears, and for a view, which view and whether it may still watch. */
type Viewer = Session & { mixId: string; viewId?: string; allowed?: () => boolean };

/** Who a view token is: its key for the per-token session limit and the views it may watch. */
interface ViewAccess {
  tokenKey: string;
  views: 'all' | readonly string[];
}

interface Invite {
  /** The guest's source id (the producer's name for it; never in a guest URL). */
  id: string;
  /** What the guest's URLs carry instead: unguessable, made with the invite, gone with it. */
  publicId: string;
  label: string;
  token: string;
  feed: RtpFeed | undefined;
  tracks: FeedTracks | undefined;
  session: Session | undefined;
  /** An offer for this guest is being answered: a second POST meanwhile gets 409, not a second session. */
  joining: boolean;
  /** POST → first frame written to the decoder, ms, for the last join. */
  joinMs: number | undefined;
  /**
   * The last media of a session whose connection failed: the guest keeps its source (stalled,
   * "reconnecting") and its place in every layout until guestTimeoutS after this, so a guest page
   * that rejoins (Wi-Fi to mobile data, an outage) comes back where it was.
   */
  droppedMediaAt: number | undefined;
}

/**
 * Where a guest's browser starts its bandwidth estimate (kb/s, capped by maxGuestBitrateKbps):
 * enough for 720p30 from the first frame; loss brings it down on a weaker uplink.
 */
const GUEST_START_BITRATE_KBPS = 1500;

/** A WHEP viewer silent this long (no RTCP: a closed tab) is gone. */
const VIEWER_TIMEOUT_S = 10;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, DELETE, PATCH, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, if-match',
  'access-control-expose-headers': 'location, link, etag',
  'access-control-max-age': '600',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class WebRtcGateway {
  /** By source id. */
  private readonly invites = new Map<string, Invite>();
  /** The same invites by public id: the only way in from a URL. */
  private readonly invitesByPublicId = new Map<string, Invite>();
  private readonly viewers = new Map<string, Viewer>();
  readonly returnFeed: ReturnFeed;
  /** The views' feeds (`/views/<id>/whep`); main's is returnFeed. */
  readonly viewFeeds: ViewFeeds;
  /** `/whep/monitors`: preview + every source in one mosaic (same token as the program). */
  readonly monitorFeed: MonitorFeed;
  private baseUrl: () => string = () => 'http://127.0.0.1:7710';
  private readonly watchdog: NodeJS.Timeout;
  private readonly budget = new SessionBudget(
    () => this.liveSessions(),
    () => this.settings,
  );

  constructor(private readonly host: GatewayHost) {
    // Main's feed asks from a timer: between two shows (show.load) there is no program, not an error.
    this.returnFeed = new ReturnFeed(() => host.programById(MAIN_PROGRAM_ID), host.ffmpegPath, (line) => host.log(line));
    this.monitorFeed = new MonitorFeed(() => host.program(), host.ffmpegPath, (line) => host.log(line));
    this.viewFeeds = new ViewFeeds(host, this.returnFeed);
    this.watchdog = setInterval(() => this.checkSessions(), 500);
  }

  get settings(): WebRtcSettings {
    return WebRtcSettings.parse(this.host.settings() ?? {});
  }

  /** The HTTP server this gateway answers on (for the URLs in invites). */
  setBaseUrl(url: () => string): void {
    this.baseUrl = url;
  }

  publicBase(): string {
    return (this.settings.publicUrl ?? this.baseUrl()).replace(/\/+$/, '');
  }

  // ---- invites and feeds ----

  /**
   * The invite for guest.invite: an existing one by id (with a new label, if given), or a new one
   * (an id of its own when none is given). The caller adds the guest's source when the show lacks
   * it, then hands out `inviteLink(id)`.
   */
  prepareInvite(params: { id?: string; label?: string }): { id: string; label: string } {
    let invite = params.id ? this.invites.get(params.id) : undefined;
    if (!invite) {
      const { maxGuests } = this.settings;
      if (this.invites.size >= maxGuests)
        throw new ProtocolError('conflict', `this show already has ${this.invites.size} guests (the limit, webrtc.maxGuests, is ${maxGuests}); remove a guest first`);
      let id = params.id;
      for (let n = 1; !id; n++) if (!this.invites.has(`guest${n}`) && !this.host.hasSource(`guest${n}`)) id = `guest${n}`;
      if (this.host.hasSource(id)) throw new ProtocolError('conflict', `a source with id "${id}" already exists and is not a guest`);
      invite = this.newInvite(id, params.label ?? id);
    }
    if (params.label) invite.label = params.label;
    return { id: invite.id, label: invite.label };
  }

  /** The link and token of an invited guest. */
  inviteLink(id: string): GuestInvite {
    const invite = this.invites.get(id);
    if (!invite) throw new ProtocolError('not_found', `no guest "${id}" in this show (guest.invite lists none by that id)`);
    return this.describe(invite);
  }

  private newInvite(id: string, label: string): Invite {
    const invite: Invite = { id, publicId: newPublicId(), label, token: randomBytes(18).toString('base64url'), feed: undefined, tracks: undefined, session: undefined, joining: false, joinMs: undefined, droppedMediaAt: undefined };
    this.invites.set(id, invite);
    this.invitesByPublicId.set(invite.publicId, invite);
    return invite;
  }

  private describe(invite: Invite): GuestInvite {
    const base = this.publicBase();
    const id = invite.publicId;
    return {
      id: invite.id,
      guestPageUrl: `${base}/guest/${id}#token=${invite.token}`,
      whipUrl: `${base}/whip/${id}`,
      token: invite.token,
      returnWhepUrl: `${base}/whep/${id}`,
    };
  }

  /** The feed of a new `guest` or `whep` source (the engine calls this when it makes one). */
  feedFor(spec: SourceSpec): PipeFeed | undefined {
    if (spec.kind === 'whep') return new WhepPull(spec.url, spec.token, this.settings, (line) => this.host.log(`source ${spec.id}: ${line}`));
    if (spec.kind !== 'guest') return undefined;
    const invite = this.invites.get(spec.id) ?? this.newInvite(spec.id, spec.label ?? spec.id);
    const feed = new RtpFeed('waiting for the guest to join (send them the link from guest.invite)', () => this.settings.maxGuestBitrateKbps);
    invite.feed = feed;
    feed.onClose = () => {
      // The producer removed the guest's source: end the session (the link still works).
      if (invite.feed !== feed) return;
      invite.feed = undefined;
      void this.leave(invite, 'removed by the producer', { keepSource: true });
    };
    if (invite.tracks && invite.session && !invite.session.closed) feed.bind(invite.tracks);
    return feed;
  }

  /** For tests and the bench: the last POST → first decoded-frame time of a guest. */
  joinTimeMs(id: string): number | undefined {
    return this.invites.get(id)?.joinMs;
  }

  /** For tests, the bench and diagnostics: what a guest's video feed has received and dropped. */
  feedStats(id: string): (FeedStats & { codec: VideoCodec | undefined }) | undefined {
    const feed = this.invites.get(id)?.feed;
    return feed ? { ...feed.stats, codec: feed.codec } : undefined;
  }

  guestIds(): string[] {
    return [...this.invites.keys()];
  }

  /** The invited guest this token belongs to (the objects WebSocket lets guests in with it). */
  guestForToken(token: string): { id: string; label: string } | undefined {
    const given = Buffer.from(token);
    for (const invite of this.invites.values()) {
      const expected = Buffer.from(invite.token);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return { id: invite.id, label: invite.label };
    }
    return undefined;
  }

  // ---- HTTP ----

  readonly route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    const whip = /^\/(whip|whep)\/([A-Za-z0-9_-]{1,64})(?:\/([A-Za-z0-9-]{1,64}))?$/.exec(path);
    const guest = /^\/guest\/([A-Za-z0-9_.-]{1,64})$/.exec(path);
    const viewer = /^\/viewer(?:\/(viewer\.js|viewer-worker\.js|ice))?$/.exec(path);
    const guestApi = /^\/guest\/([A-Za-z0-9_-]{1,64})\/(status|name|ice)$/.exec(path);
    const views = /^\/views(?:\/([A-Za-z0-9_-]{1,64})\/whep(?:\/([A-Za-z0-9-]{1,64}))?)?$/.exec(path);
    if (!whip && !guest && !viewer && !guestApi && !views) return false;
    try {
      if (views) await this.serveViews(views[1], views[2], req, res);
      else if (guestApi) await this.serveGuestApi(guestApi[1], guestApi[2] as 'status' | 'name' | 'ice', req, res);
      else if (viewer) this.serveViewerPage(viewer[1], req, res);
      else if (guest) this.serveGuestPage(guest[1], req, res);
      else if (whip) await this.serveWhipWhep(whip[1] as 'whip' | 'whep', whip[2], whip[3], req, res);
    } catch (error) {
      const status = error instanceof HttpError || error instanceof SdpError ? error.status : error instanceof SessionLimitError ? 429 : 500;
      if (status === 500) this.host.log(`webrtc: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) {
        const extra = error instanceof SessionLimitError ? { 'retry-after': String(error.retryAfterS) } : {};
        res.writeHead(status, { ...CORS, ...extra, 'content-type': 'text/plain; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
        res.end((error as Error).message);
      }
    }
    return true;
  };

  private serveGuestPage(name: string, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    const headers = pageHeaders("script-src 'self'; connect-src 'self'");
    if (name === 'guest.js') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' });
      res.end(GUEST_JS);
      return;
    }
    const invite = this.invitesByPublicId.get(name);
    if (!invite) throw new HttpError(404, 'no such guest in this show: ask the producer for a new link');
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    // The page is served to anyone with the link's path; TURN credentials wait for its token (/ice).
    res.end(guestPageHtml(invite.publicId, invite.label, withoutCredentials(this.settings.iceServers)));
  }

  /**
   * `GET /guest/<id>/status` (the tally), `POST /guest/<id>/name {name}` and `GET /guest/<id>/ice`
   * (the ICE servers with their TURN credentials), with the invite's token.
   */
  private async serveGuestApi(publicId: string, what: 'status' | 'name' | 'ice', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const invite = this.invitesByPublicId.get(publicId);
    if (!invite) throw new HttpError(404, 'no such guest in this show: ask the producer for a new link');
    const id = invite.id;
    this.checkToken(req, invite.token);
    if (what === 'ice') {
      this.serveIceServers(req, res);
      return;
    }
    if (what === 'name') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST with {"name": "…"}');
      const name = guestName(await readSmallJson(req).then((body) => (body as { name?: unknown } | undefined)?.name));
      if (!name) throw new HttpError(400, 'a name is 1 to 60 printable characters, without < or >');
      invite.label = name;
      if (this.host.isGuestSource(id)) await this.host.renameSource(id, name);
      this.host.log(`guest ${id}: calls themselves "${name}"`);
    } else if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    const program = this.host.program();
    const status: GuestStatus = {
      label: invite.label,
      onProgram: sourcesIn(program.layout).includes(id),
      onPreview: program.preview ? sourcesIn(program.preview).includes(id) : false,
    };
    res.writeHead(200, { ...CORS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(status));
  }

  /** The ICE servers, TURN credentials included: only for a request whose token was checked. */
  private serveIceServers(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    res.writeHead(200, { ...CORS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ iceServers: this.settings.iceServers ?? [] }));
  }

  /** The program viewer page (WHEP + the data overlay read from the SEI); viewerPage.ts. */
  private serveViewerPage(file: string | undefined, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    if (file === 'ice') {
      const { programToken } = this.settings;
      if (!programToken) throw new HttpError(404, 'WHEP of the program is off: set webrtc.programToken in the show to turn it on');
      this.checkToken(req, programToken);
      this.serveIceServers(req, res);
      return;
    }
    // connect-src *: the WHEP URL in the link may point at another server (a CDN/XDN edge).
    const headers = pageHeaders("script-src 'self'; worker-src 'self'; connect-src *");
    if (file) {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' });
      res.end(file === 'viewer.js' ? VIEWER_JS : VIEWER_WORKER_JS);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(viewerPageHtml(withoutCredentials(this.settings.iceServers)));
  }

  /** `id` is the path's: a guest's public id, or `program`/`monitors`. */
  private async serveWhipWhep(kind: 'whip' | 'whep', id: string, sessionId: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'accept-post': 'application/sdp' });
      res.end();
      return;
    }
    const invite = this.invitesByPublicId.get(id);
    const isMonitors = kind === 'whep' && id === 'monitors' && !invite;
    const isProgram = (kind === 'whep' && id === 'program' && !invite) || isMonitors;
    if (!invite && !isProgram) throw new HttpError(404, 'no such guest in this show: ask the producer for a new link');
    if (isProgram && !this.settings.programToken) throw new HttpError(404, 'WHEP of the program is off: set webrtc.programToken in the show to turn it on');
    const token = isProgram ? (this.settings.programToken ?? '') : (invite?.token ?? '');
    this.checkToken(req, token);
    // The body is read and the offer negotiated after the token was checked: a guest.revoke or a
    // show.load with another program token meanwhile must not let the session in afterwards.
    const stillAllowed = () => {
      if (isProgram ? this.settings.programToken !== token : this.invitesByPublicId.get(id) !== invite)
        throw isProgram ? new HttpError(401, 'the program token changed: ask the producer for the new one') : new HttpError(404, 'this guest link was revoked: ask the producer for a new one');
    };
    if (req.method === 'PATCH') throw new HttpError(405, 'trickle ICE is not supported: the answer carries every candidate');
    if (req.method === 'DELETE') {
      if (!sessionId) throw new HttpError(405, 'DELETE the session URL (the Location of the 201 answer)');
      if (kind === 'whip') {
        if (!invite?.session || invite.session.id !== sessionId) throw new HttpError(404, 'no such session');
        await this.leave(invite, 'the guest left');
      } else {
        const viewer = this.viewers.get(sessionId);
        if (!viewer) throw new HttpError(404, 'no such session');
        viewer.close();
      }
      res.writeHead(200, CORS);
      res.end();
      return;
    }
    if (req.method !== 'POST' || sessionId) throw new HttpError(405, `use POST ${kind === 'whip' ? '/whip' : '/whep'}/<id> with an SDP offer, DELETE on the session URL`);
    if (!/^application\/sdp\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send the SDP offer as Content-Type: application/sdp');
    const tokenKey = isProgram || !invite ? 'program' : `guest:${invite.id}`;
    // A WHIP offer for a guest already joining is refused before its place is taken (409, not 429).
    if (kind === 'whip' && invite?.joining) throw alreadyJoining(invite.id);
    const release = this.budget.reserve(tokenKey);
    let answered: { sdp: string; location: string };
    try {
      const offer = await readBody(req, MAX_SDP_BYTES);
      checkOffer(offer);
      answered =
        kind === 'whip' && invite
          ? await this.ingest(invite, offer, stillAllowed)
          : await this.serveReturn(isMonitors ? MONITORS_MIX : isProgram || !invite ? PROGRAM_MIX : invite.id, offer, tokenKey, id, stillAllowed);
    } finally {
      release();
    }
    const { sdp, location } = answered;
    res.writeHead(201, { ...CORS, 'content-type': 'application/sdp', location, etag: `"${location.split('/').pop()}"` });
    res.end(sdp);
  }

  private checkToken(req: IncomingMessage, expected: string): void {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) throw new HttpError(401, 'missing token: send Authorization: Bearer <token> (from guest.invite)');
    const a = Buffer.from(header.slice(7));
    const b = Buffer.from(expected);
    if (!expected || a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(401, 'wrong token for this guest: ask the producer for a new link');
  }

  // ---- views ----

  /** A shared-object change for every WHEP video: main's return feed and every view's. */
  queueData(record: TimedDataRecord): void {
    this.returnFeed.queueData(record);
    this.viewFeeds.queueData(record);
  }

  /**
   * Who may watch which views with this token: the program token sees every public view, an
   * objects viewer token (object.issueToken) the views it names (or all); anything else is 401.
   */
  private viewAccess(authorization: string | undefined): ViewAccess {
    const header = authorization ?? '';
    if (!header.startsWith('Bearer ')) throw new HttpError(401, 'missing token: send Authorization: Bearer <token> (the viewer link carries it)');
    const token = header.slice(7);
    const programToken = this.settings.programToken;
    if (programToken && sameSecret(token, programToken)) return { tokenKey: 'program', views: 'all' };
    const issued = this.host.viewAccess(token);
    if (issued) return { tokenKey: `viewer:${issued.tokenId}`, views: issued.views };
    throw new HttpError(401, 'wrong or revoked token: ask the producer for a new viewer link');
  }

  /** The views this token may watch, as `GET /views` lists them. */
  private visibleViews(access: ViewAccess): ViewInfo[] {
    return this.host.views().filter((v) => access.views === 'all' || access.views.includes(v.id));
  }

  /** Still the same access (token not revoked or changed, view still allowed): checked twice a second. */
  private stillViewing(authorization: string | undefined, viewId: string): () => boolean {
    return () => {
      try {
        return this.visibleViews(this.viewAccess(authorization)).some((v) => v.id === viewId);
      } catch {
        return false;
      }
    };
  }

  /** `GET /views`, `POST /views/<id>/whep` (WHEP) and `DELETE /views/<id>/whep/<session>`. */
  private async serveViews(viewId: string | undefined, sessionId: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, ...(viewId ? { 'accept-post': 'application/sdp' } : {}) });
      res.end();
      return;
    }
    const access = this.viewAccess(req.headers.authorization);
    const visible = this.visibleViews(access);
    if (viewId === undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET /views');
      const list = visible.map((v) => ({ ...v, whep: `/views/${encodeURIComponent(v.id)}/whep` }));
      res.writeHead(200, { ...CORS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ views: list }));
      return;
    }
    const names = visible.map((v) => `"${v.id}"`).join(', ') || 'none';
    if (!this.host.views().some((v) => v.id === viewId)) throw new HttpError(404, `no public view "${viewId}" in this show; this link may watch: ${names}`);
    if (!visible.some((v) => v.id === viewId)) throw new HttpError(403, `this link does not include the view "${viewId}"; it may watch: ${names}`);
    if (req.method === 'PATCH') throw new HttpError(405, 'trickle ICE is not supported: the answer carries every candidate');
    if (req.method === 'DELETE') {
      const viewer = sessionId ? this.viewers.get(sessionId) : undefined;
      if (!sessionId) throw new HttpError(405, 'DELETE the session URL (the Location of the 201 answer)');
      if (!viewer || viewer.viewId !== viewId) throw new HttpError(404, 'no such session');
      viewer.close();
      res.writeHead(200, CORS);
      res.end();
      return;
    }
    if (req.method !== 'POST' || sessionId) throw new HttpError(405, `use POST /views/${viewId}/whep with an SDP offer, DELETE on the session URL`);
    if (!/^application\/sdp\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send the SDP offer as Content-Type: application/sdp');
    const allowed = this.stillViewing(req.headers.authorization, viewId);
    const stillAllowed = () => {
      if (!allowed()) throw new HttpError(403, `the view "${viewId}" is not open to this link any more`);
    };
    const release = this.budget.reserve(access.tokenKey);
    let answered: { sdp: string; location: string };
    try {
      const offer = await readBody(req, MAX_SDP_BYTES);
      checkOffer(offer);
      answered = await this.serveReturn(PROGRAM_MIX, offer, access.tokenKey, viewId, stillAllowed, { id: viewId, feed: this.viewFeeds.feed(viewId), allowed });
    } finally {
      release();
    }
    res.writeHead(201, { ...CORS, 'content-type': 'application/sdp', location: answered.location, etag: `"${answered.location.split('/').pop()}"` });
    res.end(answered.sdp);
  }

  // ---- WHIP ingest ----

  private async ingest(invite: Invite, offer: string, stillAllowed: () => void): Promise<{ sdp: string; location: string }> {
    const codecs = listCodecs(offer);
    // A section we cannot take would be dropped silently (a guest with no picture): refuse it.
    const refused = refusedIngestKinds(codecs);
    if (refused.length > 0) {
      const offered = codecs.filter((c) => refused.includes(c.kind) && c.name.toLowerCase() !== 'rtx').map((c) => `${c.name}${c.fmtp ? ` (${c.fmtp})` : ''}`);
      throw new HttpError(406, `no offered ${refused.join(' or ')} codec is supported (offered: ${offered.join(', ').slice(0, 300)}); accepted are ${ACCEPTED_INGEST_CODECS}`);
    }
    // Checked and set with no await between: parallel POSTs for one guest make one session.
    if (invite.joining) throw alreadyJoining(invite.id);
    invite.joining = true;
    try {
      return await this.join(invite, offer, stillAllowed);
    } finally {
      invite.joining = false;
    }
  }

  private async join(invite: Invite, offer: string, stillAllowed: () => void): Promise<{ sdp: string; location: string }> {
    const current = invite.session;
    if (current && !current.closed) {
      const now = Date.now();
      // A publisher that is still sending owns the slot; a silent one (a closed tab) gives it up.
      if (now - current.lastPacketAt < 3000 || now - current.createdAt < 5000)
        throw new HttpError(409, `guest "${invite.id}" is already publishing; DELETE that session first or wait until it times out`);
      await this.leave(invite, 'replaced by a new publisher', { keepSource: true });
    }
    const settings = this.settings;
    const pc = new PeerConnection(peerConfig(settings, [VP8(), H264()]));
    const session = this.newSession(pc, `guest:${invite.id}`, () => {});
    const remote: Partial<Record<string, import('werift').MediaStreamTrack>> = {};
    pc.onTrack.subscribe((track) => {
      remote[track.kind] = track;
      // Count packets from the first moment: liveness and the bitrate limit.
      track.onReceiveRtp.subscribe((rtp) => {
        session.lastPacketAt = Date.now();
        session.bytes += rtp.payload.length;
      });
    });
    let answer = await this.negotiate(session, offer, isAcceptedIngestCodec, 'recvonly');
    this.admitted(session, stillAllowed);
    const tracks: FeedTracks = {};
    for (const t of pc.getTransceivers()) {
      const name = t.codecs[0]?.name.toLowerCase();
      if (t.kind === 'video' && (name === 'vp8' || name === 'h264'))
        tracks.video = { track: remote.video ?? t.receiver.track, receiver: t.receiver, codec: name as VideoCodec, ...parameterSetsOf(t.codecs[0]) };
      if (t.kind === 'audio' && name === 'opus') tracks.audio = { track: remote.audio ?? t.receiver.track };
    }
    invite.session = session;
    invite.tracks = tracks;
    invite.joinMs = undefined;
    invite.droppedMediaAt = undefined;
    const postedAt = Date.now();
    if (!this.host.hasSource(invite.id)) await this.host.addGuestSource(invite.id, invite.label);
    const feed = invite.feed;
    if (feed) {
      feed.bind(tracks);
      feed.onFrameWritten = (at) => {
        if (invite.joinMs === undefined && invite.session === session) {
          invite.joinMs = at - postedAt;
          this.host.log(`guest ${invite.id}: first frame ${invite.joinMs} ms after the offer (${tracks.video?.codec ?? 'no video'})`);
        }
      };
    }
    answer = capBitrate(answer, 'video', settings.maxGuestBitrateKbps);
    answer = setStartBitrate(answer, Math.min(settings.maxGuestBitrateKbps, GUEST_START_BITRATE_KBPS));
    answer = advertiseAddresses(answer, settings.advertisedAddresses);
    this.host.log(`guest ${invite.id} joined (${tracks.video?.codec ?? 'no video'}${tracks.audio ? ' + opus' : ''})`);
    return { sdp: answer, location: `/whip/${invite.publicId}/${session.id}` };
  }

  /** Answers an offer restricted to the codecs we take, one way; a failure ends the session (400). */
  private async negotiate(session: Session, offer: string, accept: Parameters<typeof filterCodecs>[1], direction: 'recvonly' | 'sendonly'): Promise<string> {
    try {
      return await answerOffer(session.pc, filterCodecs(offer, accept), (transceivers) => {
        for (const t of transceivers) t.setDirection(direction);
      });
    } catch (error) {
      session.close();
      throw new HttpError(400, `could not negotiate the offer: ${(error as Error).message}`);
    }
  }

  /** Ends a just-negotiated session (and throws) if its access ended meanwhile. */
  private admitted(session: Session, stillAllowed: () => void): void {
    try {
      stillAllowed();
    } catch (error) {
      session.close();
      throw error;
    }
  }

  private newSession(pc: RTCPeerConnection, tokenKey: string, onClose: () => void): Session {
    const now = Date.now();
    const session: Session = {
      id: randomUUID(),
      tokenKey,
      pc,
      createdAt: now,
      lastPacketAt: now,
      bytes: 0,
      windowStart: now,
      overLimitWindows: 0,
      closed: false,
      close: () => {
        if (session.closed) return;
        session.closed = true;
        onClose();
        void pc.close().catch(() => {});
      },
    };
    return session;
  }

  private async leave(invite: Invite, reason: string, options: { keepSource?: boolean } = {}): Promise<void> {
    const session = invite.session;
    if (!session) return;
    invite.session = undefined;
    invite.tracks = undefined;
    session.close();
    invite.feed?.unbind();
    this.host.log(`guest ${invite.id}: ${reason}`);
    if (!options.keepSource && this.host.hasSource(invite.id)) await this.host.removeSource(invite.id).catch(() => {});
  }

  // ---- WHEP return ----

  /**
   * `pathId` names the session URL (a guest's public id, `program`, `monitors`); `mixId` what it
   * hears; `view` a public view's own feed (its session lives under /views/<id>/whep).
   */
  private async serveReturn(
    mixId: string,
    offer: string,
    tokenKey: string,
    pathId: string,
    stillAllowed: () => void,
    view?: { id: string; feed: ReturnFeed; allowed: () => boolean },
  ): Promise<{ sdp: string; location: string }> {
    const profile = this.returnFeed.profileIdc;
    const accept = (c: { kind: string; name: string; fmtp: string }) =>
      c.kind === 'audio'
        ? c.name.toUpperCase() === 'OPUS'
        : c.name.toUpperCase() === 'H264' && fmtpValue(c.fmtp, 'packetization-mode') === '1' && h264ProfileIdc(c.fmtp) === profile;
    const offered = listCodecs(offer);
    if (!offered.some((c) => c.kind === 'video' && accept(c)))
      throw new HttpError(406, 'the return feed is H.264 Constrained Baseline (profile-level-id 42e01f, packetization-mode=1) + Opus; the offer has no such H264 codec');
    const pc = new PeerConnection(peerConfig(this.settings, [H264('42e01f')]));
    let remove = () => {};
    const session = this.newSession(pc, tokenKey, () => {
      remove();
      this.viewers.delete(session.id);
    });
    let answer = await this.negotiate(session, offer, accept, 'sendonly');
    this.admitted(session, stillAllowed);
    const transceivers = pc.getTransceivers();
    const video = transceivers.find((t) => t.kind === 'video' && t.codecs.length > 0);
    const audio = transceivers.find((t) => t.kind === 'audio' && t.codecs.length > 0);
    for (const t of [video, audio]) {
      t?.sender.onRtcp.subscribe(() => {
        session.lastPacketAt = Date.now();
      });
    }
    const feed = view ? view.feed : mixId === MONITORS_MIX ? this.monitorFeed : this.returnFeed;
    remove = feed.add({ mixId, ...(video ? { video: video.sender } : {}), ...(audio ? { audio: audio.sender } : {}) });
    this.viewers.set(session.id, Object.assign(session, { mixId }, view ? { viewId: view.id, allowed: view.allowed } : {}));
    answer = advertiseAddresses(answer, this.settings.advertisedAddresses);
    const location = view ? `/views/${encodeURIComponent(view.id)}/whep/${session.id}` : `/whep/${encodeURIComponent(pathId)}/${session.id}`;
    return { sdp: answer, location };
  }

  // ---- supervision ----

  /** Sessions now open, for the limits (SessionBudget adds the ones being negotiated). */
  private liveSessions(): { total: number; forKey(key: string): number } {
    const open: Session[] = [...this.viewers.values()];
    for (const invite of this.invites.values()) if (invite.session && !invite.session.closed) open.push(invite.session);
    return { total: open.length, forKey: (key) => open.filter((s) => s.tokenKey === key).length };
  }

  private checkSessions(): void {
    const now = Date.now();
    const { guestTimeoutS, maxGuestBitrateKbps } = this.settings;
    for (const invite of this.invites.values()) {
      const session = invite.session;
      if (invite.droppedMediaAt !== undefined && !session && now - invite.droppedMediaAt > guestTimeoutS * 1000) {
        invite.droppedMediaAt = undefined;
        this.host.log(`guest ${invite.id}: did not come back within ${guestTimeoutS} s`);
        if (this.host.hasSource(invite.id)) void this.host.removeSource(invite.id).catch(() => {});
        continue;
      }
      if (!session || session.closed) continue;
      const state = session.pc.connectionState;
      // A closed or failed connection ends the session once the source has shown it stalled for
      // a moment; the source stays until the timeout below, for the guest page to rejoin.
      if ((state === 'failed' || state === 'closed') && now - session.lastPacketAt > 2500) {
        invite.droppedMediaAt = session.lastPacketAt;
        void this.leave(invite, `connection ${state}; keeping the guest's place for ${guestTimeoutS} s while they reconnect`, { keepSource: true });
        continue;
      }
      if (now - session.lastPacketAt > guestTimeoutS * 1000) {
        void this.leave(invite, `left (no media for ${guestTimeoutS} s)`);
        continue;
      }
      if (now - session.windowStart >= 5000) {
        const kbps = (session.bytes * 8) / (now - session.windowStart);
        session.bytes = 0;
        session.windowStart = now;
        // b=AS in the answer caps browsers; a publisher that ignores it for 15 s is cut off.
        session.overLimitWindows = kbps > maxGuestBitrateKbps * 1.5 + 200 ? session.overLimitWindows + 1 : 0;
        if (session.overLimitWindows >= 3) void this.leave(invite, `dropped: sent ${Math.round(kbps)} kbps, over the limit of ${maxGuestBitrateKbps} kbps`);
      }
    }
    // A view that stopped being public, or a token revoked or changed, ends its viewers.
    const viewIds = new Set(this.host.views().map((v) => v.id));
    for (const viewer of this.viewers.values()) {
      if (viewer.viewId !== undefined && (!viewIds.has(viewer.viewId) || viewer.allowed?.() === false)) {
        viewer.close();
        continue;
      }
      const state = viewer.pc.connectionState;
      // Viewers send RTCP about every second; a rejoining guest opens a new return session anyway.
      if (state === 'failed' || state === 'closed' || now - viewer.lastPacketAt > VIEWER_TIMEOUT_S * 1000) viewer.close();
    }
    this.viewFeeds.prune(viewIds);
  }

  /**
   * `guest.revoke`: the link stops working. Ends the guest's session and return feeds and forgets
   * the invite (its token: the objects socket closes its sockets at their next message or event).
   * The guest's source is the show's: the caller removes it (commands/guests.ts).
   */
  async revoke(id: string): Promise<void> {
    const invite = this.invites.get(id);
    if (!invite) throw new ProtocolError('not_found', `no guest "${id}" in this show (guest.invite lists none by that id)`);
    this.invites.delete(id);
    this.invitesByPublicId.delete(invite.publicId);
    await this.leave(invite, 'link revoked by the producer', { keepSource: true });
    for (const viewer of [...this.viewers.values()]) if (viewer.mixId === id) viewer.close();
  }

  /**
   * After `show.load`: viewers let in with the previous show's program token are cut off when the
   * token changed (they must ask again with the new one), and guests the new show does not have
   * lose their links, as with guest.revoke. Guests it keeps keep their links. Returns the guests
   * revoked (the caller removes their sources, as guest.revoke does).
   */
  async showReplaced(change: { programTokenChanged: boolean; guestIds: ReadonlySet<string> }): Promise<string[]> {
    if (change.programTokenChanged) {
      for (const viewer of [...this.viewers.values()]) if (viewer.mixId === PROGRAM_MIX || viewer.mixId === MONITORS_MIX) viewer.close();
    }
    const revoked: string[] = [];
    for (const id of [...this.invites.keys()]) {
      // Checked again at each step: a guest.revoke running meanwhile may have taken it already.
      if (!change.guestIds.has(id) && this.invites.has(id)) {
        await this.revoke(id);
        revoked.push(id);
      }
    }
    return revoked;
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    for (const invite of this.invites.values()) invite.session?.close();
    for (const viewer of this.viewers.values()) viewer.close();
    this.viewers.clear();
    await this.returnFeed.close();
    await this.monitorFeed.close();
    await this.viewFeeds.close();
  }
}

/** What a page served without a token may hold: the ICE servers that need no credentials (STUN). */
function withoutCredentials(servers: WebRtcSettings['iceServers']): WebRtcSettings['iceServers'] {
  return (servers ?? []).filter((s) => s.username === undefined && s.credential === undefined);
}

/** 96 random bits, base64url: what a guest's URLs carry instead of the source id. */
function newPublicId(): string {
  return randomBytes(12).toString('base64url');
}

function alreadyJoining(id: string): HttpError {
  return new HttpError(409, `an offer for guest "${id}" is already being answered: only one session per guest`);
}

async function readBody(req: IncomingMessage, limit: number, what = 'the SDP offer'): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, `${what} is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `${what} is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A small JSON body (the guest API): application/json only, so no cross-site form can send it. */
async function readSmallJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send JSON (Content-Type: application/json)');
  const text = await readBody(req, 2048, 'the request');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/** Headers of the engine's own pages (guest, viewer): never cached, never framed, a strict CSP. */
function pageHeaders(scriptAndConnect: string): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'self'; ${scriptAndConnect}; style-src 'unsafe-inline'; media-src 'self' blob: mediastream:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
  };
}
