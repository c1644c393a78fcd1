/**
 * What an API caller may make the engine read, write or connect to (docs/SECURITY.md, "Files").
 *
 * Files: only inside the media folders the producer configured (`--media-dir`, CUTLINE_MEDIA_DIR;
 * default the show file's folder and ~/Documents/Cutline), checked on real paths so a symbolic link
 * cannot lead out of them. Paths the desktop app's own file dialogs returned are granted one by
 * one (`grant`): the person at the machine picked them.
 * Network sources: an allow-list of URL schemes, each opened by ffmpeg with a matching
 * `-protocol_whitelist` (so an HLS playlist cannot send ffmpeg to `file:` or `concat:`), no
 * credentials in the URL (they would sit in the process list), and no link-local or cloud-metadata
 * address unless configured.
 * The pure parts (schemes, whitelists, addresses) are exported for decoderArgs and the unit tests.
 */
import { lookup } from 'node:dns/promises';
import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ProtocolError } from '../../../shared/protocol.ts';

/** Source URL schemes allowed by default; `udp` and `tcp` only when configured. */
export const DEFAULT_SOURCE_SCHEMES = ['rtmp', 'rtmps', 'rtsp', 'srt', 'http', 'https'] as const;
export const OPTIONAL_SOURCE_SCHEMES = ['udp', 'tcp'] as const;

/** What ffmpeg may open for each scheme: the protocol itself and what it runs on, never `file`,
 * `concat`, `subfile` or `data` (an HLS/DASH playlist names its segments; they stay on the network). */
const PROTOCOL_WHITELIST: Record<string, string> = {
  rtmp: 'rtmp,tcp',
  rtmps: 'rtmps,rtmp,tls,tcp',
  rtsp: 'rtsp,rtp,srtp,udp,tcp',
  srt: 'srt',
  http: 'http,https,tls,tcp,crypto,httpproxy',
  https: 'http,https,tls,tcp,crypto,httpproxy',
  udp: 'udp,rtp',
  tcp: 'tcp',
};

/** The `-protocol_whitelist` value for a source URL (`file` for local files). */
export function protocolWhitelistFor(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return (scheme && PROTOCOL_WHITELIST[scheme]) || 'file';
}

/** Host names that answer with cloud credentials (AWS, GCP, Azure, Alibaba, Oracle, ...). */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'metadata.azure.com', 'instance-data', 'instance-data.ec2.internal']);
/** Metadata services on addresses outside the link-local ranges. */
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254', '192.0.0.192']);

/** 169.254.0.0/16, fe80::/10 (also IPv4-mapped), and the known metadata addresses. */
export function isLinkLocalOrMetadataAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (METADATA_ADDRESSES.has(a)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
  const v4 = mapped ?? (isIP(a) === 4 ? a : undefined);
  if (v4) return v4.startsWith('169.254.') || METADATA_ADDRESSES.has(v4);
  if (isIP(a) === 6) return /^fe[89ab][0-9a-f]?:/.test(a);
  return false;
}

export function isMetadataHostName(host: string): boolean {
  return METADATA_HOSTS.has(host.toLowerCase().replace(/\.$/, ''));
}

/** Source schemes whose credentials Cutline passes to ffmpeg on stdin (sources/secretInput.ts). */
export const CREDENTIAL_SCHEMES: readonly string[] = ['rtsp', 'srt'];

/** Credentials in a URL (`user:pass@`, `?passphrase=`, `?key=`, ...): ffmpeg would show them in `ps`. */
export function urlCredentials(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) return 'a user name or password (user:pass@)';
  const param = /[?&](passphrase|key|streamkey|token|secret|auth|password|pass|pwd)=/i.exec(url)?.[1];
  return param ? `a "${param}" parameter` : undefined;
}

export interface MediaAccessOptions {
  /** Folders API callers may read and write in. */
  mediaDirs: string[];
  /** Where a relative path is resolved (the show file's folder); default: the first media folder. */
  baseDir?: string;
  /** Extra source schemes allowed (`udp`, `tcp`). */
  allowSchemes?: string[];
  /** Link-local or metadata hosts/addresses allowed anyway (a camera on 169.254.x.x). */
  allowHosts?: string[];
  /** Resolves a host name to its addresses (tests); default: DNS. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Folders created when first written to (~/Documents/Cutline). */
  createOnDemand?: string[];
}

/** The media folders when none are configured: CUTLINE_MEDIA_DIR (path-list), the show's folder, ~/Documents/Cutline. */
export function defaultMediaDirs(showDir?: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const fromEnv = (env.CUTLINE_MEDIA_DIR ?? '').split(delimiter).filter(Boolean);
  return [...fromEnv, ...(showDir ? [showDir] : []), documentsFolder(home)];
}

export function documentsFolder(home = homedir()): string {
  return join(home, 'Documents', 'Cutline');
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
function realish(path: string): string {
  let head = path;
  const rest: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    rest.unshift(basename(head));
    head = up;
  }
  let real: string;
  try {
    real = realpathSync.native(head);
  } catch {
    real = head;
  }
  return rest.length ? join(real, ...rest) : real;
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class MediaAccess {
  readonly dirs: string[];
  private readonly baseDir: string;
  private readonly schemes: Set<string>;
  private readonly allowHosts: Set<string>;
  private readonly granted = new Set<string>();
  private readonly resolveHost: (host: string) => Promise<string[]>;
  private readonly createOnDemand: string[];

  constructor(options: MediaAccessOptions) {
    this.dirs = [...new Set(options.mediaDirs.map((d) => resolve(d)))];
    this.baseDir = resolve(options.baseDir ?? this.dirs[0] ?? process.cwd());
    this.schemes = new Set([...DEFAULT_SOURCE_SCHEMES, ...(options.allowSchemes ?? []).map((s) => s.toLowerCase())]);
    this.allowHosts = new Set((options.allowHosts ?? []).map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
    this.resolveHost = options.resolveHost ?? (async (host) => (await lookup(host, { all: true })).map((a) => a.address));
    this.createOnDemand = (options.createOnDemand ?? []).map((d) => resolve(d));
  }

  /** A path the person at the machine picked in the desktop app's own file dialog: allowed anywhere. */
  grant(path: string): void {
    this.granted.add(realish(resolve(path)));
  }

  private isGranted(real: string): boolean {
    for (const g of this.granted) if (real === g || within(real, g)) return true;
    return false;
  }

  private inside(real: string): boolean {
    return this.dirs.some((d) => within(real, realish(d))) || this.isGranted(real);
  }

  private refuse(path: string, what: string): never {
    const dirs = this.dirs.length ? this.dirs.join(', ') : '(none configured)';
    throw new ProtocolError('forbidden', `${what} ${JSON.stringify(path)} is outside the media folders (${dirs}): use a path inside one, or start Cutline with --media-dir <folder>`);
  }

  /** An existing file to read (a file source, an image overlay, a show file): its absolute real path. */
  readablePath(path: string, what = 'the file'): string {
    const abs = resolve(this.baseDir, path.replace(/^file:(\/\/)?/i, ''));
    if (!existsSync(abs)) {
      if (!this.inside(realish(abs))) this.refuse(path, what);
      throw new ProtocolError('failed', `${what} ${JSON.stringify(path)}: file not found`);
    }
    const real = realpathSync.native(abs);
    if (!this.inside(real)) this.refuse(path, what);
    return real;
  }

  /**
   * A file (or, with `folder`, a folder) to write: its absolute path, with every existing part
   * resolved. A symbolic link at the path itself is refused (writing through it would land wherever it points).
   */
  writablePath(path: string, what = 'the file', options: { folder?: boolean } = {}): string {
    const abs = resolve(this.baseDir, path);
    let isLink = false;
    try {
      isLink = lstatSync(abs).isSymbolicLink();
    } catch {
      // absent: fine, it is created
    }
    if (isLink && !options.folder) throw new ProtocolError('forbidden', `${what} ${JSON.stringify(path)} is a symbolic link: Cutline does not write through links; choose the file it points to`);
    const real = realish(abs);
    if (!this.inside(real)) this.refuse(path, what);
    const parent = options.folder ? real : dirname(real);
    for (const dir of this.createOnDemand) if (within(parent, dir) && !existsSync(dir)) mkdirSync(dir, { recursive: true });
    return real;
  }

  /** A recording's path: a file, or a folder (ends in a separator or exists as one). */
  recordingPath(path: string): string {
    const folder = /[\\/]$/.test(path) || (existsSync(resolve(this.baseDir, path)) && !lstatSync(resolve(this.baseDir, path)).isFile());
    const resolved = this.writablePath(path, 'the recording path', { folder });
    return folder ? `${resolved.replace(/[\\/]+$/, '')}/` : resolved;
  }

  /** An image overlay's `src`: a data: URL as is, a file path inside the media folders. */
  imageSource(src: string): string {
    if (/^data:/i.test(src)) return src;
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(src)) throw new ProtocolError('invalid_params', 'an image overlay takes a file path or a data: URL (URLs are not fetched)');
    return this.readablePath(src, 'the image');
  }

  /** A network URL a source opens (url and whep sources). Resolves names to check their addresses. */
  async sourceUrl(url: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ProtocolError('invalid_params', `${JSON.stringify(url.slice(0, 200))} is not a URL`);
    }
    const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
    if (!this.schemes.has(scheme)) {
      const optional = (OPTIONAL_SOURCE_SCHEMES as readonly string[]).includes(scheme);
      throw new ProtocolError(
        'forbidden',
        optional
          ? `${scheme}:// sources are off: start Cutline with --allow-scheme ${scheme} to take them`
          : `${scheme}: is not a source URL scheme Cutline opens; use ${[...this.schemes].join(', ')}`,
      );
    }
    const credentials = urlCredentials(url);
    // rtsp/srt credentials reach ffmpeg on stdin (sources/secretInput.ts); other schemes have no such way.
    if (credentials && !CREDENTIAL_SCHEMES.includes(scheme))
      throw new ProtocolError(
        'invalid_params',
        `the source URL carries ${credentials}: ffmpeg would show it to every user of this machine in its command line, so Cutline refuses it for ${scheme}:// (rtsp:// and srt:// sources may carry a password). Use a URL without credentials (allow this machine on the server instead, or use a WHEP source with a token)`,
      );
    const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (this.allowHosts.has(host)) return;
    const forbidden = (address: string) =>
      new ProtocolError('forbidden', `the source URL points at ${address}, a link-local or cloud-metadata address: start Cutline with --allow-host ${host} if you really mean it`);
    if (isMetadataHostName(host) || isLinkLocalOrMetadataAddress(host)) throw forbidden(host);
    if (isIP(host)) return;
    let addresses: string[] = [];
    try {
      addresses = await this.resolveHost(host);
    } catch {
      return; // unresolvable now: ffmpeg will say so, and retry
    }
    const bad = addresses.find((a) => isLinkLocalOrMetadataAddress(a) && !this.allowHosts.has(a));
    if (bad) throw forbidden(`${host} (${bad})`);
  }
}
